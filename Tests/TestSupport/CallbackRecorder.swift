import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// An HTTP server on loopback that records every request to `/cb` (status callbacks): the
/// method and the form fields, from the body (POST) or the query (GET). It answers `204`, or
/// `500` for paths under `/fail`.
public final class CallbackRecorder: Sendable {
    /// One recorded request.
    public struct Request: Sendable {
        public let method: String
        public let contentType: String?
        public let fields: [String: String]
        /// The field names in the order they were sent.
        public let order: [String]
    }

    public let port: Int
    private let requests: NIOLockedValueBox<[Request]>
    private let services: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, requests: NIOLockedValueBox<[Request]>, services: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.requests = requests
        self.services = services
        self.task = task
    }

    public var url: String { "http://127.0.0.1:\(port)/cb" }

    /// Every request so far.
    public var all: [Request] { requests.withLockedValue { $0 } }

    public static func start() async throws -> CallbackRecorder {
        let requests = NIOLockedValueBox<[Request]>([])
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "callback-recorder")
        logger.logLevel = .warning
        let router = Router()
        let record: @Sendable (Hummingbird.Request, String) async throws -> Response = { request, status in
            let body = try await request.body.collect(upTo: 1 << 20)
            let text = request.method == .get ? String(request.uri.query ?? "") : String(buffer: body)
            let (fields, order) = parseForm(text)
            requests.withLockedValue {
                $0.append(Request(method: "\(request.method)", contentType: request.headers[.contentType], fields: fields, order: order))
            }
            return Response(status: status == "ok" ? .noContent : .internalServerError)
        }
        router.post("/cb") { request, _ in try await record(request, "ok") }
        router.get("/cb") { request, _ in try await record(request, "ok") }
        router.post("/fail") { request, _ in try await record(request, "fail") }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await services.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("callback recorder did not start") }
        return CallbackRecorder(port: port, requests: requests, services: services, task: task)
    }

    /// Waits for a request whose `Event` is `event`.
    public func waitFor(_ event: String, timeout: Duration = .seconds(10)) async throws -> Request {
        try await poll(timeout: timeout, what: "a \(event) status callback") { self.all.first { $0.fields["Event"] == event } }
    }

    public func stop() async {
        await services.triggerGracefulShutdown()
        _ = await task.result
    }

    /// `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte).
    static func parseForm(_ text: String) -> ([String: String], [String]) {
        var fields: [String: String] = [:]
        var order: [String] = []
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            guard let name = parts.first else { continue }
            fields[name] = parts.count > 1 ? parts[1] : ""
            order.append(name)
        }
        return (fields, order)
    }
}
