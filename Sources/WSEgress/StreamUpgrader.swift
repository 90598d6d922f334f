import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The opening handshake (RFC 6455 §4.1): NIO's client upgrader makes the key and checks
/// `Sec-WebSocket-Accept`; the pipeline after the 101 is the stream's own — NIO's frame encoder
/// for control frames, and `StreamFrameHandler` reading frames from the bytes (no frame
/// decoder, error handler or aggregator in front of it).
final class StreamUpgrader: NIOHTTPClientProtocolUpgrader, Sendable {
    private let handshake: NIOWebSocketClientUpgrader
    private let pipeline: @Sendable (any Channel) throws -> Void

    /// - Parameter pipeline: adds the stream's handlers once the server agreed (on the loop).
    init(pipeline: @escaping @Sendable (any Channel) throws -> Void) {
        // Its `upgrade` is never called: only the handshake's key and accept check are used.
        handshake = NIOWebSocketClientUpgrader(automaticErrorHandling: false) { channel, _ in
            channel.eventLoop.makeSucceededVoidFuture()
        }
        self.pipeline = pipeline
    }

    var supportedProtocol: String { handshake.supportedProtocol }

    var requiredUpgradeHeaders: [String] { handshake.requiredUpgradeHeaders }

    func addCustom(upgradeRequestHeaders: inout HTTPHeaders) {
        handshake.addCustom(upgradeRequestHeaders: &upgradeRequestHeaders)
    }

    func shouldAllowUpgrade(upgradeResponse: HTTPResponseHead) -> Bool {
        handshake.shouldAllowUpgrade(upgradeResponse: upgradeResponse)
    }

    func upgrade(context: ChannelHandlerContext, upgradeResponse: HTTPResponseHead) -> EventLoopFuture<Void> {
        let channel = context.channel
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
            try pipeline(channel)
        }
    }
}
