import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOConcurrencyHelpers
import NIOCore
public import NIOSSL
public import NIOWebSocket
import ServiceLifecycle

/// A real WebSocket server on loopback playing the AI server in tests: it records every message
/// the bridge sends (with its arrival time) and lets the test send any message back.
/// Built on hummingbird-websocket, an implementation independent of the bridge's client.
public final class TestAgent: Sendable {
    /// The bound port.
    public let port: Int
    /// Whether the agent speaks TLS (`wss://`).
    public let secure: Bool
    private let connections: NIOLockedValueBox<[AgentConnection]>
    private let task: Task<Void, any Error>
    private let services: ServiceGroup

    private init(
        port: Int, secure: Bool, connections: NIOLockedValueBox<[AgentConnection]>, task: Task<Void, any Error>,
        services: ServiceGroup
    ) {
        self.port = port
        self.secure = secure
        self.services = services
        self.connections = connections
        self.task = task
    }

    /// The URL the bridge should stream to.
    public var url: String { "\(secure ? "wss" : "ws")://127.0.0.1:\(port)/ws" }

    /// Starts the server on an ephemeral loopback port.
    /// - Parameters:
    ///   - tls: serve `wss://` with this configuration (e.g. a test CA's server certificate,
    ///     optionally requiring a client certificate).
    ///   - onConnect: called for each new connection (e.g. to start scripted replies).
    public static func start(
        tls: TLSConfiguration? = nil, onConnect: @escaping @Sendable (AgentConnection) -> Void = { _ in }
    ) async throws -> TestAgent {
        let connections = NIOLockedValueBox<[AgentConnection]>([])
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test-agent")
        logger.logLevel = .warning
        let router = Router()
        router.get("/") { _, _ in "test agent\n" }
        let webSocket = HTTPServerBuilder.http1WebSocketUpgrade { request, _, _ in
            let path = request.path ?? ""
            return .upgrade([:]) { inbound, outbound, _ in
                let connection = AgentConnection(path: path)
                connections.withLockedValue { $0.append(connection) }
                onConnect(connection)
                try await connection.serve(inbound: inbound, outbound: outbound)
            }
        }
        let app = Application(
            router: router,
            server: try tls.map { try .tls(webSocket, tlsConfiguration: $0) } ?? webSocket,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await services.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("test agent did not start") }
        return TestAgent(port: port, secure: tls != nil, connections: connections, task: task, services: services)
    }

    /// Every connection so far.
    public var allConnections: [AgentConnection] { connections.withLockedValue { $0 } }

    /// Waits for the `index`-th connection (0-based).
    public func connection(_ index: Int = 0, timeout: Duration = .seconds(10)) async throws -> AgentConnection {
        try await poll(timeout: timeout, what: "agent connection #\(index)") {
            let all = connections.withLockedValue { $0 }
            return all.count > index ? all[index] : nil
        }
    }

    /// Stops the server.
    public func stop() async {
        await services.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// One WebSocket the bridge opened to the test agent.
public final class AgentConnection: Sendable {
    /// A message as received.
    public struct Message: Sendable {
        /// Arrival time.
        public let time: ContinuousClock.Instant
        /// The frame's text.
        public let text: String

        /// The message parsed as a JSON object.
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        }

        /// The `event` field.
        public var event: String { json["event"] as? String ?? "" }
    }

    private struct State {
        var messages: [Message] = []
        var closed = false
        var outgoing: [String] = []
        var closeRequested = false
        var closeCode = WebSocketErrorCode.normalClosure
    }

    /// The request path (with query) the bridge connected to.
    public let path: String
    private let state = NIOLockedValueBox(State())
    private let wakeUp: AsyncStream<Void>
    private let wakeUpContinuation: AsyncStream<Void>.Continuation

    init(path: String) {
        self.path = path
        (wakeUp, wakeUpContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    /// Everything received so far.
    public var messages: [Message] { state.withLockedValue { $0.messages } }

    /// Received messages with this `event`.
    public func events(_ name: String) -> [Message] { messages.filter { $0.event == name } }

    /// Whether the bridge closed the socket.
    public var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// Sends a text message to the bridge.
    public func send(_ text: String) {
        state.withLockedValue { $0.outgoing.append(text) }
        wakeUpContinuation.yield()
    }

    /// Sends a JSON object.
    public func send(json object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        send(String(decoding: data, as: UTF8.self))
    }

    /// Closes the socket from the agent side (normal closure unless `code` says otherwise,
    /// e.g. 1001 going away when a server restarts).
    public func close(code: WebSocketErrorCode = .normalClosure) {
        state.withLockedValue {
            $0.closeRequested = true
            $0.closeCode = code
        }
        wakeUpContinuation.yield()
    }

    /// Waits until at least `count` messages with `event` have arrived.
    @discardableResult
    public func waitFor(_ event: String, count: Int = 1, timeout: Duration = .seconds(10)) async throws -> [Message] {
        try await poll(timeout: timeout, what: "\(count) \(event) event(s)") {
            let found = self.events(event)
            return found.count >= count ? found : nil
        }
    }

    /// Waits until a message with `event` that satisfies `matches` has arrived (e.g. the frame
    /// carrying a given payload, which concealed frames may precede: the stream's 20 ms clock
    /// starts at answer, before the caller's first packet).
    public func waitFor(
        _ event: String, timeout: Duration = .seconds(10), where matches: @escaping @Sendable (Message) -> Bool
    ) async throws -> Message {
        try await poll(timeout: timeout, what: "a matching \(event) event") {
            self.events(event).first(where: matches)
        }
    }

    /// Waits until the bridge has closed the socket.
    public func waitClosed(timeout: Duration = .seconds(10)) async throws {
        _ = try await poll(timeout: timeout, what: "the stream to close") { self.isClosed ? true : nil }
    }

    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in self.wakeUp {
                    let (pending, closing, code) = self.state.withLockedValue { state in
                        defer { state.outgoing.removeAll() }
                        return (state.outgoing, state.closeRequested, state.closeCode)
                    }
                    for text in pending { try await outbound.write(.text(text)) }
                    if closing {
                        try await outbound.close(code, reason: nil)
                        return
                    }
                }
            }
            for try await message in inbound.messages(maxSize: 1 << 24) {
                let text: String
                switch message {
                case .text(let string): text = string
                case .binary(let buffer): text = String(buffer: buffer)
                }
                let now = ContinuousClock.now
                state.withLockedValue { $0.messages.append(Message(time: now, text: text)) }
            }
            state.withLockedValue { $0.closed = true }
            wakeUpContinuation.finish()
            group.cancelAll()
        }
    }
}
