import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix
public import NIOSSL

/// A carrier's SIP listener over TCP or TLS on 127.0.0.1, for the connections the bridge opens
/// to it: it records each message with the connection it came on, so a test can answer there.
public final class StreamSIPServer: Sendable {
    private let channel: any Channel
    private let inbox: NIOLockedValueBox<[(message: SIPText, connection: any Channel)]>
    private let accepted: NIOLockedValueBox<Int>

    /// The listening port (what the carrier's Via names).
    public let port: Int

    private init(
        channel: any Channel, inbox: NIOLockedValueBox<[(message: SIPText, connection: any Channel)]>,
        accepted: NIOLockedValueBox<Int>
    ) {
        self.channel = channel
        self.inbox = inbox
        self.accepted = accepted
        port = channel.localAddress?.port ?? 0
    }

    /// Listens on a free port, over TLS when `tls` (a server configuration) is given.
    public static func start(tls: TLSConfiguration? = nil, group: any EventLoopGroup) async throws -> StreamSIPServer {
        let inbox = NIOLockedValueBox<[(message: SIPText, connection: any Channel)]>([])
        let accepted = NIOLockedValueBox(0)
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    accepted.withLockedValue { $0 += 1 }
                    if let context { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    try channel.pipeline.syncOperations.addHandler(Recorder(inbox: inbox))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return StreamSIPServer(channel: channel, inbox: inbox, accepted: accepted)
    }

    /// Every message received so far, on any connection.
    public var messages: [SIPText] { inbox.withLockedValue { $0.map(\.message) } }

    /// Connections accepted so far.
    public var connectionsAccepted: Int { accepted.withLockedValue { $0 } }

    /// Waits for a message matching `predicate`.
    public func receive(
        within timeout: Duration = .seconds(5), what: String, where predicate: @escaping @Sendable (SIPText) -> Bool
    ) async throws -> SIPText {
        try await poll(timeout: timeout, what: what) { self.messages.first(where: predicate) }
    }

    /// Sends `text` on the connection that carried the first message matching `predicate`.
    public func reply(_ text: String, onConnectionOf predicate: @Sendable (SIPText) -> Bool) async throws {
        guard let connection = inbox.withLockedValue({ $0.first { predicate($0.message) }?.connection }) else {
            throw StreamSIPServerError.noSuchMessage
        }
        try await connection.writeAndFlush(connection.allocator.buffer(string: text))
    }

    /// Stops listening.
    public func close() async {
        try? await channel.close()
    }

    private final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let inbox: NIOLockedValueBox<[(message: SIPText, connection: any Channel)]>
        private var bytes: [UInt8] = []

        init(inbox: NIOLockedValueBox<[(message: SIPText, connection: any Channel)]>) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            bytes += unwrapInboundIn(data).readableBytesView
            while let message = SIPStreamSplitter.split(&bytes) {
                let connection = context.channel
                inbox.withLockedValue { $0.append((message, connection)) }
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// `StreamSIPServer.reply` found no message to answer.
public enum StreamSIPServerError: Error {
    case noSuchMessage
}
