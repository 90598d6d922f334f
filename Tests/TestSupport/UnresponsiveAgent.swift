import NIOConcurrencyHelpers
public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket server that misbehaves the ways dead or slow AI servers do: it completes the
/// upgrade and then ignores pings (`.ignorePings`: the connection looks alive to TCP but is not),
/// or stops reading altogether (`.stopReading`: TCP backpressure builds up at the bridge), or
/// accepts the TCP connection and never answers the upgrade (`.neverUpgrade`).
public final class UnresponsiveAgent: Sendable {
    /// The misbehaviour.
    public enum Mode: Sendable {
        /// Reads every frame, answers nothing (no pong).
        case ignorePings
        /// Stops reading after the upgrade, with a small receive buffer.
        case stopReading
        /// Accepts TCP, reads nothing, never answers the HTTP upgrade.
        case neverUpgrade
    }

    /// The listening port.
    public let port: Int
    private let channel: any Channel
    private let upgrades: NIOLockedValueBox<Int>
    private let open: NIOLockedValueBox<Int>

    /// The URL to put in a route.
    public var url: String { "ws://127.0.0.1:\(port)/ws" }

    /// Upgrades completed so far.
    public var connections: Int { upgrades.withLockedValue { $0 } }

    /// TCP connections accepted and not yet closed.
    public var openConnections: Int { open.withLockedValue { $0 } }

    private init(channel: any Channel, upgrades: NIOLockedValueBox<Int>, open: NIOLockedValueBox<Int>) {
        self.channel = channel
        self.upgrades = upgrades
        self.open = open
        self.port = channel.localAddress?.port ?? 0
    }

    /// Starts listening on 127.0.0.1 (any port).
    public static func start(mode: Mode, group: any EventLoopGroup) async throws -> UnresponsiveAgent {
        let upgrades = NIOLockedValueBox(0)
        let open = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_rcvbuf), value: mode == .stopReading ? 4096 : 65_536)
            .childChannelInitializer { channel in
                open.withLockedValue { $0 += 1 }
                channel.closeFuture.whenComplete { _ in open.withLockedValue { $0 -= 1 } }
                if mode == .neverUpgrade { return channel.setOption(.autoRead, value: false) }
                let upgrader = NIOWebSocketServerUpgrader(
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                    upgradePipelineHandler: { channel, _ in
                        upgrades.withLockedValue { $0 += 1 }
                        if mode == .stopReading {
                            return channel.setOption(.autoRead, value: false)
                        }
                        return channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(FrameSink())
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return UnresponsiveAgent(channel: channel, upgrades: upgrades, open: open)
    }

    /// Stops listening.
    public func stop() async {
        try? await channel.close()
    }
}

/// Swallows every frame: no pong, no close reply.
private final class FrameSink: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
