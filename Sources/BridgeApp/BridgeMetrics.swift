import Prometheus
import WSEgress

/// The Prometheus metrics of `GET /metrics` (issue 6), on swift-prometheus. Media counters are
/// live without touching shared state per packet: each call keeps what it has reported and adds
/// the difference when `/metrics` is scraped and when it ends (`MediaCounters`). Call counts,
/// setup times and stream failures are recorded as they happen.
final class BridgeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let offered: Counter
    private let answered: Counter
    private let ended: [Call.EndReason: Counter]
    private let rejected: [Int: Counter]
    private let setupTime: DurationHistogram
    private let active: Gauge
    private let draining: Gauge
    private let registrationsUp: Gauge
    private let registrationsConfigured: Gauge
    /// In `MediaCounters.Field` order.
    private let media: [Counter]
    private let wsFailures: [String: Counter]
    private let callbacks: [CallbackResult: Counter]
    private let jitter: ValueHistogram
    private let unmatchedRTP: Counter
    private let mos: ValueHistogram

    /// The SIP statuses the bridge rejects calls with (`sipbridge_calls_rejected_total{status}`).
    static let rejectStatuses = [403, 404, 480, 483, 486, 488, 503]

    /// `ws_failures_total{reason}` labels beyond the connect failures and the per-call counts.
    enum StreamFailure: String, CaseIterable {
        case connectionLost = "connection_lost"
        case pingTimeout = "ping_timeout"
        case protocolError = "protocol_error"
    }

    /// `status_callbacks_total{result}`.
    enum CallbackResult: String, CaseIterable {
        case delivered, failed, dropped
    }

    static let wsFailuresHelp = "WebSocket failures towards the AI server, by reason"

    init() {
        let registry = registry
        /// `sipbridge_<name>_<unit>`.
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "sipbridge", metricName: metric, unitName: unit, helpText: help)
        }
        offered = registry.makeCounter(descriptor: name("calls_offered", "total", "INVITEs that started a call"))
        answered = registry.makeCounter(descriptor: name("calls_answered", "total", "Calls answered 200 OK"))
        let endedName = name("calls_ended", "total", "Calls that ended, by end reason")
        ended = Dictionary(uniqueKeysWithValues: Call.EndReason.allCases.map {
            ($0, registry.makeCounter(descriptor: endedName, labels: [("reason", $0.metricLabel)]))
        })
        let rejectedName = name("calls_rejected", "total", "INVITEs answered with a final error, by SIP status")
        rejected = Dictionary(uniqueKeysWithValues: Self.rejectStatuses.map {
            ($0, registry.makeCounter(descriptor: rejectedName, labels: [("status", "\($0)")]))
        })
        setupTime = registry.makeDurationHistogram(
            descriptor: name("call_setup", "seconds", "INVITE received to 200 OK sent (WebSocket connect and start included)"),
            buckets: [
                // A healthy setup on a LAN takes 1–3 ms; the lower buckets tell a slow agent apart.
                .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
            ])
        active = registry.makeGauge(descriptor: name("calls", "active", "Calls in progress"))
        draining = registry.makeGauge(descriptor: name("draining", "state", "1 while draining (new calls refused)"))
        registrationsUp = registry.makeGauge(descriptor: name("registrations", "up", "sip.registrations bindings registered"))
        registrationsConfigured = registry.makeGauge(
            descriptor: name("registrations", "configured", "sip.registrations bindings configured"))
        media = MediaCounters.Field.allCases.map { field in
            registry.makeCounter(descriptor: name(field.metric.name, "total", field.metric.help), labels: field.metric.labels)
        }
        let failures = name("ws_failures", "total", Self.wsFailuresHelp)
        let reasons = StreamConnectError.Kind.allCases.map(\.rawValue) + StreamFailure.allCases.map(\.rawValue)
        wsFailures = Dictionary(uniqueKeysWithValues: reasons.map {
            ($0, registry.makeCounter(descriptor: failures, labels: [("reason", $0)]))
        })
        let callbackName = name(
            "status_callbacks", "total", "Stream status callbacks: delivered (2xx), failed, dropped (too many outstanding)")
        callbacks = Dictionary(uniqueKeysWithValues: CallbackResult.allCases.map {
            ($0, registry.makeCounter(descriptor: callbackName, labels: [("result", $0.rawValue)]))
        })
        unmatchedRTP = registry.makeCounter(
            descriptor: name(
                "rtp_unmatched", "total",
                "Datagrams on a shared RTP/RTCP port (rtp.sockets: per_loop) from a source no call expects, dropped"))
        jitter = registry.makeValueHistogram(
            descriptor: name("call_jitter", "ms", "Interarrival jitter of the caller's RTP at call end (RFC 3550 A.8)"),
            buckets: [1, 2, 5, 10, 20, 40, 80, 160])
        mos = registry.makeValueHistogram(
            descriptor: name("call_mos", "score", "E-model MOS estimate of the caller's audio at call end"),
            buckets: [1, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4, 4.5])
    }

    func callOffered() { offered.increment() }
    /// A shared RTP socket dropped a datagram from an unknown source.
    func rtpUnmatched() { unmatchedRTP.increment() }

    func callRejected(status: Int) { rejected[status]?.increment() }

    func callAnswered(setup: Duration) {
        answered.increment()
        setupTime.record(setup)
    }

    /// Adds what a call's media counters moved since it last reported.
    func add(_ counters: inout MediaCounters, _ stats: MediaStats) {
        counters.report(stats) { field, delta in media[field.rawValue].increment(by: Int64(delta)) }
    }

    /// Records a finished call: its end reason and quality histograms (its counters were added).
    func callEnded(_ reason: Call.EndReason, _ stats: MediaStats) {
        ended[reason]?.increment()
        if stats.packetsIn > 0 { jitter.record(stats.jitterMilliseconds) }
        if let score = stats.mos { mos.record(score) }
    }

    func streamConnectFailed(_ error: any Error) {
        let kind = (error as? StreamConnectError)?.kind ?? .failed
        wsFailures[kind.rawValue]?.increment()
    }

    func statusCallback(_ result: CallbackResult) { callbacks[result]?.increment() }

    func streamFailed(_ failure: StreamFailure) {
        wsFailures[failure.rawValue]?.increment()
    }

    /// The Prometheus text exposition, with the gauges read now.
    func exposition(activeCalls: Int, isDraining: Bool, registrations: (up: Int, configured: Int) = (0, 0)) -> [UInt8] {
        active.set(Int64(activeCalls))
        draining.set(Int64(isDraining ? 1 : 0))
        registrationsUp.set(Int64(registrations.up))
        registrationsConfigured.set(Int64(registrations.configured))
        return registry.emitToBuffer()
    }
}
