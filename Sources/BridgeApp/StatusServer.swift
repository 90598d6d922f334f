import Foundation
import Hummingbird
import Logging
import NIOCore
import SIPIngress

/// The status endpoint (ARCHITECTURE "Status endpoint"): `/healthz` and `/status`, served by
/// hummingbird on `status.listen`.
enum StatusServer {
    /// The `/status` document (schema in `docs/status.md`).
    struct Document: Codable, Sendable {
        var version: String
        var uptimeSeconds: Double
        var callsActive: Int
        var callsOffered: Int
        var callsRejected: Int
        var rtpPortsInUse: Int
        var draining: Bool
        var registrations: [Registration]
        var calls: [CallSnapshot]

        enum CodingKeys: String, CodingKey {
            case version
            case uptimeSeconds = "uptime_s"
            case callsActive = "calls_active"
            case callsOffered = "calls_offered"
            case callsRejected = "calls_rejected"
            case rtpPortsInUse = "rtp_ports_in_use"
            case draining
            case registrations
            case calls
        }
    }

    /// One `sip.registrations` binding as `/status` shows it.
    struct Registration: Codable, Sendable {
        var aor: String
        var state: String
        var lastStatus: Int?
        var grantedSeconds: Int?
        var failures: Int

        enum CodingKeys: String, CodingKey {
            case aor, state, failures
            case lastStatus = "last_status"
            case grantedSeconds = "granted_s"
        }
    }

    /// Builds the application.
    static func application(
        config: BridgeConfig.Status, registry: CallRegistry, startedAt: Date, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        if let token = config.token { router.add(middleware: StatusAuthentication(token: Array(token.utf8))) }
        router.get("/healthz") { _, _ in "ok\n" }
        // The live dashboard: a static page that polls /status (it carries no data itself).
        router.get("/") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                    .contentSecurityPolicy: "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Dashboard.html)))
        }
        // Ready for new calls: listening, not draining, below sip.max_calls (503 otherwise, so
        // a load balancer or Kubernetes takes the bridge out of rotation).
        router.get("/readyz") { _, _ -> Response in
            let ready = !registry.isDraining && registry.activeCount < registry.maximumCalls
            let text = registry.isDraining ? "draining\n" : (ready ? "ready\n" : "full\n")
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        // Starts draining; calls in progress go on (the process keeps running until a signal).
        router.post("/drain") { _, _ -> Response in
            registry.startDraining()
            let body = #"{"draining":true,"calls_active":\#(registry.activeCount)}"#
            return Response(
                status: .accepted, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/status") { _, _ -> Response in
            let calls = await registry.snapshots()
            let totals = registry.totals
            let document = Document(
                version: BridgeVersion.current, uptimeSeconds: Date().timeIntervalSince(startedAt),
                callsActive: registry.activeCount, callsOffered: totals.offered, callsRejected: totals.rejected,
                rtpPortsInUse: registry.portsInUse, draining: registry.isDraining,
                registrations: await registry.registrations().map {
                    Registration(
                        aor: $0.addressOfRecord, state: $0.state.rawValue, lastStatus: $0.lastStatus, grantedSeconds: $0.grantedSeconds,
                        failures: $0.failures)
                }, calls: calls)
            return try json(document)
        }
        // Prometheus text exposition (format 0.0.4).
        router.get("/metrics") { _, _ -> Response in
            let bindings = await registry.registrations()
            await registry.reportMetrics()
            let text = registry.metrics.exposition(
                activeCalls: registry.activeCount, isDraining: registry.isDraining,
                registrations: (bindings.filter { $0.state == .registered }.count, bindings.count))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.get("/calls/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard let call = await registry.snapshot(callID: id) else { return notFound(id) }
            return try json(call)
        }
        // Hangs up one call: BYE with `Reason: Q.850;cause=16` (or 503 before the answer).
        router.delete("/calls/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard await registry.hangUp(callID: id) else { return notFound(id) }
            return Response(status: .noContent)
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "sipbridge"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? config.port) },
            logger: logger)
    }
}

/// A JSON response of `value` (keys sorted, dates ISO 8601).
private func json(_ value: some Encodable) throws -> Response {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    return Response(
        status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}

/// `404` naming the call id that is not (or no longer) active.
private func notFound(_ id: String) -> Response {
    Response(
        status: .notFound, headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"no active call with this id"}"#)))
}

/// The version reported by `sipbridge version` and `/status`.
enum BridgeVersion {
    static let current = "0.1.0"
}
