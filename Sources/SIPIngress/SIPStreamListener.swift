import Logging
import NIOCore
import NIOPosix
public import NIOSSL

/// A TCP or TLS listener (`sip.listen: tcp://…` or `tls://…`, RFC 3261 §18).
public struct SIPStreamListener: Sendable {
    /// The address to bind.
    public var host: String
    /// The port to bind (0: any).
    public var port: Int
    /// The server TLS context for `tls://` (RFC 3261 §26.2.1); `nil` for plain TCP.
    public var tls: NIOSSLContext?
    /// The client TLS context for connections the bridge reopens to `tls://` peers (§18.2.2);
    /// without it a closed TLS connection is not reopened.
    public var clientTLS: NIOSSLContext?

    /// Creates a listener description.
    public init(host: String, port: Int, tls: NIOSSLContext? = nil, clientTLS: NIOSSLContext? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.clientTLS = clientTLS
    }

    /// How connections of this transport are reopened (`nil`: a TLS listener without a client context).
    var connector: SIPStreamConnector? {
        guard tls != nil else { return SIPStreamConnector() }
        return clientTLS.map { SIPStreamConnector(tls: $0) }
    }

    /// Binds the listener; every connection is served on `core`'s event loop.
    func bind(core: NIOLoopBound<UserAgentCore>, eventLoop: any EventLoop) async throws -> any Channel {
        let tls = self.tls
        return try await ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    if let tls { try operations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try operations.addHandler(ByteToMessageHandler(SIPStreamFramer()))
                    try operations.addHandler(SIPStreamHandler(core: core.value, secure: tls != nil))
                }
            }
            .bind(host: host, port: port).get()
    }
}

/// Hands each framed message of one connection to the core, tagged with the connection
/// (STYLE.md rule 6: the handler only translates).
final class SIPStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let core: UserAgentCore
    private let secure: Bool
    private var connection: Int?
    /// The number a reopened connection takes over (`nil`: an accepted one gets a new number).
    private let replacing: Int?

    init(core: UserAgentCore, secure: Bool, connection replacing: Int? = nil) {
        self.core = core
        self.secure = secure
        self.replacing = replacing
    }

    func channelActive(context: ChannelHandlerContext) {
        if let replacing {
            core.reattach(context.channel, as: replacing)
            connection = replacing
        } else {
            connection = core.register(context.channel)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection, let address = context.remoteAddress else { return }
        let transport: SIPTransport = secure ? .tls(connection: connection) : .tcp(connection: connection)
        core.received(unwrapInboundIn(data), from: SIPPeer(address: address, transport: transport))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection { core.unregister(connection, channel: context.channel) }
        connection = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A framing or TLS error leaves the stream unusable (§18.3): close it.
        core.logger.info("SIP connection error; closing", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "error": "\(error)"])
        context.close(promise: nil)
    }
}
