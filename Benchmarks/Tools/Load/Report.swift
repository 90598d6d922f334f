import Foundation

/// One run's results: what the markdown table and the JSON file say.
struct LoadReport: Codable {
    var calls: Int
    /// The bridge's `rtp.sockets`.
    var rtpSockets: String
    /// How the callers' frames were placed in each 20 ms (`--phases`).
    var phases: String
    var answered: Int
    var failed: Int
    /// Length of the measured steady state.
    var seconds: Double
    var bridgeCPUSeconds: Double
    var loadGeneratorCPUSeconds: Double
    var bridgeRSSMiB: Double
    var bridgeIdleRSSMiB: Double
    /// RSS when half the calls had been placed.
    var bridgeHalfRSSMiB: Double
    var bridgeDescriptors: Int
    var underruns: Int
    /// The bridge's `sipbridge_rtp_late_total` and `sipbridge_rtp_lost_total` over the steady
    /// state: caller packets it received too late to use, and sequence gaps it saw.
    var bridgeLate: Int
    var bridgeLost: Int
    var wsFailures: Int
    var counters: Measurements.Counters
    var steadyCallerFrames: Int
    /// Gaps in the caller's frame numbers at the agent while every call was up.
    var steadyCallerFramesLost: Int
    /// Caller frames the generator itself sent more than 40 ms after the call's previous one.
    var steadyCallerFramesStalled: Int
    var steadyAgentFrames: Int
    var steadyEchoSent: Int
    var steadyEchoReceived: Int
    var latencies: [String: Measurements.Summary]
    var rtpengine: RelayReport?
    var samples: [ResourceSample]

    /// RSS growth per call from `start` to the loaded figure, KiB.
    func rssPerCallKiB(from start: Double, calls: Int) -> Double {
        calls > 0 ? (bridgeRSSMiB - start) * 1024 / Double(calls) : 0
    }

    /// Bridge CPU per call-second of bidirectional audio, milliseconds.
    var bridgeCPUMillisecondsPerCallSecond: Double {
        answered > 0 && seconds > 0 ? bridgeCPUSeconds * 1000 / (Double(answered) * seconds) : 0
    }

    /// Bridge CPU per RTP packet it relayed (in + out), microseconds.
    var bridgeCPUMicrosecondsPerPacket: Double {
        let packets = Double(steadyCallerFrames + steadyEchoReceived)
        return packets > 0 ? bridgeCPUSeconds * 1e6 / packets : 0
    }

    /// Why the run was not clean (`--require-clean`), or `nil`: every call answered, no caller
    /// frame lost on its way to the agent in the whole run, no late or lost packet in the
    /// bridge's counters over the steady state, no WebSocket failure, audio flowing both ways.
    var uncleanReason: String? {
        if answered != calls || failed > 0 { return "\(answered) of \(calls) calls answered, \(failed) failed" }
        if counters.callerFramesLost > 0 {
            return "\(counters.callerFramesLost) caller frames lost (\(steadyCallerFramesLost) in the steady state)"
        }
        if bridgeLate > 0 || bridgeLost > 0 { return "the bridge counted \(bridgeLate) late and \(bridgeLost) lost caller packets" }
        if wsFailures > 0 { return "\(wsFailures) WebSocket failures" }
        if steadyEchoReceived == 0 || steadyAgentFrames == 0 { return "no audio flowed" }
        return nil
    }

    var markdown: String {
        func ms(_ microseconds: UInt64) -> String { String(format: "%.2f", Double(microseconds) / 1000) }
        var lines = [
            "## sipbridge load: \(calls) calls, \(String(format: "%.0f", seconds)) s steady state, rtp.sockets: \(rtpSockets), caller phases: \(phases)",
            "",
            "| figure | value |",
            "|---|---|",
            "| calls answered / failed | \(answered) / \(failed) |",
            "| bridge CPU per call-second | \(String(format: "%.3f", bridgeCPUMillisecondsPerCallSecond)) ms |",
            "| bridge CPU per RTP packet (in + out) | \(String(format: "%.1f", bridgeCPUMicrosecondsPerPacket)) µs |",
            "| bridge CPU (of one core) | \(String(format: "%.0f", bridgeCPUSeconds / seconds * 100)) % |",
            "| load generator CPU (of one core) | \(String(format: "%.0f", loadGeneratorCPUSeconds / seconds * 100)) % |",
            "| bridge RSS idle → half the calls → loaded | \(String(format: "%.0f", bridgeIdleRSSMiB)) → \(String(format: "%.1f", bridgeHalfRSSMiB)) → \(String(format: "%.1f", bridgeRSSMiB)) MiB |",
            "| bridge RSS per call: idle → loaded / half → loaded | \(String(format: "%.0f", rssPerCallKiB(from: bridgeIdleRSSMiB, calls: answered))) / \(String(format: "%.0f", rssPerCallKiB(from: bridgeHalfRSSMiB, calls: answered - calls / 2))) KiB |",
            "| bridge open file descriptors | \(bridgeDescriptors) |",
            "| caller frames sent / seen by the agent (steady) | \(steadyCallerFrames) / \(steadyAgentFrames) |",
            "| caller frames lost (sequence gaps at the agent, steady / whole run) | \(steadyCallerFramesLost) / \(counters.callerFramesLost) |",
            "| caller frames the generator sent > 40 ms after the call's previous one (its own stalls, steady) | \(steadyCallerFramesStalled) |",
            "| concealed frames the agent received (whole run) | \(counters.concealedFramesReceived) |",
            "| echo frames sent / received by callers (steady) | \(steadyEchoSent) / \(steadyEchoReceived) |",
            "| playout underruns (bridge metric, steady) | \(underruns) |",
            "| caller packets late / lost (bridge metrics, steady) | \(bridgeLate) / \(bridgeLost) |",
            "| WebSocket failures (bridge metric) | \(wsFailures) |",
            "| checkpoints sent / playedStream received | \(counters.checkpointsSent) / \(counters.playedStreamEvents) |",
            "| clearAudio sent / clearedAudio received | \(counters.clearsSent) / \(counters.clearedAudioEvents) |",
            "",
            "| latency (ms) | count | p50 | p90 | p99 | p99.9 | max |",
            "|---|---|---|---|---|---|---|",
        ]
        for latency in Measurements.Latency.allCases {
            guard let summary = latencies[latency.rawValue] else { continue }
            lines.append(
                "| \(latency.rawValue) | \(summary.count) | \(ms(summary.p50)) | \(ms(summary.p90)) | \(ms(summary.p99)) | \(ms(summary.p999)) | \(ms(summary.max)) |")
        }
        if let first = samples.first, let last = samples.last, samples.count > 2 {
            lines += [
                "",
                "| bridge over the steady state | first sample | last sample | max |",
                "|---|---|---|---|",
                "| RSS (MiB) | \(String(format: "%.1f", first.rssMiB)) | \(String(format: "%.1f", last.rssMiB)) | \(String(format: "%.1f", samples.map(\.rssMiB).max() ?? 0)) |",
                "| open descriptors | \(first.descriptors) | \(last.descriptors) | \(samples.map(\.descriptors).max() ?? 0) |",
            ]
        }
        if let relay = rtpengine {
            let ratio = relay.cpuMillisecondsPerCallSecond > 0 ? bridgeCPUMillisecondsPerCallSecond / relay.cpuMillisecondsPerCallSecond : 0
            lines += [
                "",
                "| side by side (same calls, 50 packets/s each way) | sipbridge | rtpengine (userspace) |",
                "|---|---|---|",
                "| CPU per call-second | \(String(format: "%.3f", bridgeCPUMillisecondsPerCallSecond)) ms | \(String(format: "%.3f", relay.cpuMillisecondsPerCallSecond)) ms |",
                "| CPU per relayed packet | \(String(format: "%.1f", bridgeCPUMicrosecondsPerPacket)) µs | \(String(format: "%.1f", relay.cpuMicrosecondsPerPacket)) µs |",
                "| RSS | \(String(format: "%.0f", bridgeRSSMiB)) MiB | \(String(format: "%.0f", relay.rssMiB)) MiB |",
                "| packets sent / relayed back (steady) | \(steadyCallerFrames + steadyEchoSent) / \(steadyAgentFrames + steadyEchoReceived) | \(relay.framesSent) / \(relay.framesReceived) |",
                "| **sipbridge ÷ rtpengine CPU** | **\(String(format: "%.2f", ratio))** | |",
            ]
        }
        return lines.joined(separator: "\n")
    }
}



/// rtpengine's side of the comparison.
struct RelayReport: Codable {
    var calls: Int
    var seconds: Double
    var cpuSeconds: Double
    var rssMiB: Double
    var framesSent: Int
    var framesReceived: Int

    var cpuMillisecondsPerCallSecond: Double { calls > 0 && seconds > 0 ? cpuSeconds * 1000 / (Double(calls) * seconds) : 0 }
    var cpuMicrosecondsPerPacket: Double { framesReceived > 0 ? cpuSeconds * 1e6 / Double(framesReceived) : 0 }
}

/// The bridge's resources at one moment of the steady state.
struct ResourceSample: Codable {
    var seconds: Double
    var rssMiB: Double
    var descriptors: Int
    /// CPU time used since the steady state began.
    var cpuSeconds: Double
    /// The load generator's CPU time since the steady state began.
    var generatorCPUSeconds: Double = 0
    /// The bridge's `sipbridge_rtp_late_total` since the steady state began.
    var bridgeLate: Double = 0
    /// Frames the bridge concealed, as seen by the agent, since the steady state began.
    var concealedFrames: Int = 0
    /// Caller frames missing at the agent (sequence gaps), since the steady state began.
    var agentGaps: Int = 0
    /// Caller pacer ticks more than 10 ms late since the steady state began.
    var pacerTicksLate: Int = 0
    /// Caller frames sent more than 40 ms after their call's previous one, since the steady state began.
    var stalledFrames: Int = 0
    /// The worst caller pacer lag and work per tick in the window before this sample, µs.
    var pacerMaximumLag: Int64 = 0
    var pacerMaximumWork: Int64 = 0
}
