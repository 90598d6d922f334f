import NIOCore
import NIOPosix
import NIOSSL

/// Opens a connection to a peer that closed its own (RFC 3261 §18.2.2 for responses, §18.1.1
/// for the bridge's in-dialog requests): the same pipeline as an accepted connection, so what
/// the peer sends back on it reaches the core like anything else.
struct SIPStreamConnector: Sendable {
    /// The client TLS context for `tls` connections; `nil` for plain TCP.
    var tls: NIOSSLContext?
    /// How long a connection attempt may take.
    var timeout: TimeAmount

    /// Creates a connector.
    init(tls: NIOSSLContext? = nil, timeout: TimeAmount = .seconds(5)) {
        self.tls = tls
        self.timeout = timeout
    }

    /// Connects to `address` on `core`'s loop; the connection takes the number `id`.
    func connect(to address: SocketAddress, as id: Int, core: UserAgentCore) -> EventLoopFuture<any Channel> {
        let tls = self.tls
        let bound = NIOLoopBound(core, eventLoop: core.eventLoop)
        return ClientBootstrap(group: core.eventLoop)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    // The peer is known by the address it connected from, not by a name its
                    // certificate could be checked against: the chain is verified, the name not.
                    if let tls { try operations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                    try operations.addHandler(ByteToMessageHandler(SIPStreamFramer()))
                    try operations.addHandler(SIPStreamHandler(core: bound.value, secure: tls != nil, connection: id))
                }
            }
            .connect(to: address)
    }
}
