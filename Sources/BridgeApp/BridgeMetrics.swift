import Prometheus

/// The Prometheus metrics of `GET /metrics` (issue 6), on swift-prometheus. Counters of media
/// are added when a call ends (its totals), so the per-packet path touches no shared state;
/// call counts and setup times are recorded as they happen.
final class BridgeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let offered: Counter
    private let answered: Counter
    private let setupTime: DurationHistogram
    private let active: Gauge
    private let draining: Gauge
    private let registrationsUp: Gauge
    private let registrationsConfigured: Gauge
    private let packetsIn: Counter
    private let packetsOut: Counter
    private let lost: Counter
    private let late: Counter
    private let underruns: Counter
    private let wsDropped: Counter
    private let wsMalformed: Counter
    private let jitter: ValueHistogram
    private let mos: ValueHistogram

    init() {
        /// `sipbridge_<name>_<unit>`.
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "sipbridge", metricName: metric, unitName: unit, helpText: help)
        }
        offered = registry.makeCounter(descriptor: name("calls_offered", "total", "INVITEs that started a call"))
        answered = registry.makeCounter(descriptor: name("calls_answered", "total", "Calls answered 200 OK"))
        setupTime = registry.makeDurationHistogram(
            descriptor: name("call_setup", "seconds", "INVITE received to 200 OK sent (WebSocket connect and start included)"),
            buckets: [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
            ])
        active = registry.makeGauge(descriptor: name("calls", "active", "Calls in progress"))
        draining = registry.makeGauge(descriptor: name("draining", "state", "1 while draining (new calls refused)"))
        registrationsUp = registry.makeGauge(descriptor: name("registrations", "up", "sip.registrations bindings registered"))
        registrationsConfigured = registry.makeGauge(
            descriptor: name("registrations", "configured", "sip.registrations bindings configured"))
        let packets = name("rtp_packets", "total", "RTP packets of finished calls, by direction")
        packetsIn = registry.makeCounter(descriptor: packets, labels: [("direction", "in")])
        packetsOut = registry.makeCounter(descriptor: packets, labels: [("direction", "out")])
        lost = registry.makeCounter(descriptor: name("rtp_lost", "total", "Caller RTP packets lost (RFC 3550 A.3)"))
        late = registry.makeCounter(descriptor: name("rtp_late", "total", "Caller RTP packets too late to play"))
        underruns = registry.makeCounter(descriptor: name("playout_underruns", "total", "AI audio ran out mid-speech"))
        wsDropped = registry.makeCounter(
            descriptor: name("ws_media_dropped", "total", "media events dropped: the AI server was not reading"))
        wsMalformed = registry.makeCounter(
            descriptor: name("ws_malformed", "total", "AI server messages that were not valid events"))
        jitter = registry.makeValueHistogram(
            descriptor: name("call_jitter", "ms", "Interarrival jitter of the caller's RTP at call end (RFC 3550 A.8)"),
            buckets: [1, 2, 5, 10, 20, 40, 80, 160])
        mos = registry.makeValueHistogram(
            descriptor: name("call_mos", "score", "E-model MOS estimate of the caller's audio at call end"),
            buckets: [1, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4, 4.5])
    }

    func callOffered() { offered.increment() }

    func callAnswered(setup: Duration) {
        answered.increment()
        setupTime.record(setup)
    }

    /// Adds a finished call's media totals.
    func callEnded(_ stats: MediaStats) {
        packetsIn.increment(by: Int64(stats.packetsIn))
        packetsOut.increment(by: Int64(stats.packetsOut))
        lost.increment(by: Int64(stats.lost))
        late.increment(by: Int64(stats.late))
        underruns.increment(by: Int64(stats.playoutUnderruns))
        wsDropped.increment(by: Int64(stats.wsMediaDropped))
        wsMalformed.increment(by: Int64(stats.wsMalformedMessages))
        if stats.packetsIn > 0 { jitter.record(stats.jitterMilliseconds) }
        if let score = stats.mos { mos.record(score) }
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
