import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// Setup-rate mode (`--setup-seconds`, issues 3 and 7: "300 setups/s sustained", "INVITE →
/// 200 OK p99 ≤ 10 ms with a loopback agent"): calls placed at a fixed rate, each hung up as
/// soon as it is answered, against a real `sipbridge` whose every call opens a WebSocket to
/// this process's agent and sends `start` before the 200 OK. INVITE → 200 OK is timed by the
/// caller in microseconds (sipp's own figure has 1–4 ms steps), from the INVITE's write to the
/// 200 OK's read on the SIP socket's loop, and reported beside the bridge's own histogram.
extension LoadCommand {
    func runSetups(seconds: Int) async throws {
        let total = rate * seconds
        guard rate > 0, total > 0 else { throw ValidationError("--rate and --setup-seconds must be positive") }
        // At most a second's calls are in progress at once; size the bridge's limits for that.
        let harness = try await startHarness(calls: rate)
        let (group, measurements, agentChannel, process) = (harness.group, harness.measurements, harness.agentChannel, harness.process)
        defer { process.stop() }
        try await process.waitUntilRunning()
        let fleet = try await CallerFleet.start(
            group: group, measurements: measurements, bridge: try SocketAddress(ipAddress: "127.0.0.1", port: sipPort),
            hangUpOnAnswer: true)
        try await Task.sleep(for: .seconds(1))

        let bridgeBefore = await BridgeSetupTimes(process)
        let before = (bridge: process.cpuSeconds, own: Self.ownCPUSeconds(), time: ContinuousClock.now)
        for index in 0..<total {
            try await fleet.place(UInt32(index))
            let due = before.time + .nanoseconds(Int64(index + 1) * 1_000_000_000 / Int64(rate))
            if due > .now { try await Task.sleep(until: due) }
        }
        let placed = ContinuousClock.now
        // Every call answered or refused and hung up, or 10 s for the last ones.
        let deadline = placed + .seconds(10)
        while ContinuousClock.now < deadline {
            let counters = measurements.counters
            if counters.callsFailed + counters.byesAnswered >= total { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let after = (bridge: process.cpuSeconds, own: Self.ownCPUSeconds(), time: ContinuousClock.now)
        let bridgeSetup = await BridgeSetupTimes(process).since(bridgeBefore)
        await fleet.hangUpAll()
        try? await agentChannel.close()
        process.stop()
        try await group.shutdownGracefully()

        let report = SetupReport(
            rate: rate, seconds: seconds, rtpSockets: rtpSockets, placed: total, counters: measurements.counters,
            placingSeconds: Self.seconds(placed - before.time), measuredSeconds: Self.seconds(after.time - before.time),
            bridgeCPUSeconds: after.bridge - before.bridge, loadGeneratorCPUSeconds: after.own - before.own,
            setup: measurements.summary(.setup), bridgeSetup: bridgeSetup)
        try publish(report, markdown: report.markdown, uncleanReason: report.uncleanReason)
    }
}

/// The setup-rate run's figures.
struct SetupReport: Codable {
    var rate: Int
    var seconds: Int
    var rtpSockets: String
    var placed: Int
    var counters: Measurements.Counters
    /// How long placing every INVITE took (more than `seconds`: the generator fell behind).
    var placingSeconds: Double
    /// From the first INVITE to the last call's end: the window of the CPU figures.
    var measuredSeconds: Double
    var bridgeCPUSeconds: Double
    var loadGeneratorCPUSeconds: Double
    /// INVITE → 200 OK, µs.
    var setup: Measurements.Summary
    /// The same as the bridge times it (`sipbridge_call_setup_seconds`).
    var bridgeSetup: BridgeSetupTimes

    /// Calls with neither a 200 OK nor a final refusal.
    var unanswered: Int { placed - counters.callsAnswered - counters.callsFailed }

    var uncleanReason: String? {
        if counters.callsFailed > 0 { return "\(counters.callsFailed) calls refused" }
        if unanswered > 0 { return "\(unanswered) calls never answered" }
        if counters.okRetransmissions > 0 { return "the bridge retransmitted \(counters.okRetransmissions) 200 OKs" }
        return nil
    }

    var markdown: String {
        func ms(_ microseconds: UInt64) -> String { String(format: "%.2f", Double(microseconds) / 1000) }
        let cpuShare = bridgeCPUSeconds / measuredSeconds * 100
        let perSetup = bridgeCPUSeconds * 1000 / Double(max(1, counters.callsAnswered))
        return """
            | rate | calls placed | answered | refused | unanswered | 200 OK retransmitted | BYEs answered | INVITE → 200 OK p50 / p90 / p99 / p99.9 / max | bridge CPU | per setup | generator CPU |
            |---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|
            | \(rate)/s | \(placed) | \(counters.callsAnswered) | \(counters.callsFailed) | \(unanswered) | \(counters.okRetransmissions) | \(counters.byesAnswered) | \(ms(setup.p50)) / \(ms(setup.p90)) / \(ms(setup.p99)) / \(ms(setup.p999)) / \(ms(setup.max)) ms | \(String(format: "%.0f", cpuShare)) % of a core | \(String(format: "%.2f", perSetup)) ms | \(String(format: "%.0f", loadGeneratorCPUSeconds / measuredSeconds * 100)) % |

            The bridge's own INVITE received → 200 OK sent (`sipbridge_call_setup_seconds`, WebSocket connect and `start` included): mean \(String(format: "%.2f", bridgeSetup.meanMilliseconds)) ms, \(bridgeSetup.percent(\.within1ms)) ≤ 1 ms, \(bridgeSetup.percent(\.within2_5ms)) ≤ 2.5 ms, \(bridgeSetup.percent(\.within5ms)) ≤ 5 ms, \(bridgeSetup.percent(\.within10ms)) ≤ 10 ms.

            Placing the \(placed) INVITEs took \(String(format: "%.1f", placingSeconds)) s (\(seconds) s asked); `rtp.sockets: \(rtpSockets)`.
            """
    }
}

/// The bridge's own `sipbridge_call_setup_seconds` histogram, read from `/metrics`: it starts
/// when the INVITE is read and ends when the 200 OK is written, so unlike the caller's figure
/// it holds none of the generator's own scheduling.
struct BridgeSetupTimes: Codable {
    var count: Double
    var sumSeconds: Double
    var within1ms: Double
    var within2_5ms: Double
    var within5ms: Double
    var within10ms: Double

    init(_ process: BridgeProcess) async {
        let name = "sipbridge_call_setup_seconds"
        count = await process.metric("\(name)_count")
        sumSeconds = await process.metric("\(name)_sum")
        within1ms = await process.metric("\(name)_bucket{le=\"0.001\"}")
        within2_5ms = await process.metric("\(name)_bucket{le=\"0.0025\"}")
        within5ms = await process.metric("\(name)_bucket{le=\"0.005\"}")
        within10ms = await process.metric("\(name)_bucket{le=\"0.01\"}")
    }

    /// The setups counted since `earlier`.
    func since(_ earlier: BridgeSetupTimes) -> BridgeSetupTimes {
        var delta = self
        delta.count -= earlier.count
        delta.sumSeconds -= earlier.sumSeconds
        delta.within1ms -= earlier.within1ms
        delta.within2_5ms -= earlier.within2_5ms
        delta.within5ms -= earlier.within5ms
        delta.within10ms -= earlier.within10ms
        return delta
    }

    var meanMilliseconds: Double { count > 0 ? sumSeconds / count * 1000 : 0 }

    /// The share of setups in a bucket, as text.
    func percent(_ bucket: KeyPath<BridgeSetupTimes, Double>) -> String {
        count > 0 ? String(format: "%.1f %%", self[keyPath: bucket] / count * 100) : "–"
    }
}
