import Histogram
import NIOCore
import NIOConcurrencyHelpers

/// Everything the run measures, shared by the caller side and the agent side (event-loop
/// threads record into it under a lock). Latencies in microseconds.
final class Measurements: Sendable {
    enum Latency: String, CaseIterable {
        /// Caller's RTP send → the `media` event at the agent.
        case callerToAgent = "caller RTP sent → media at agent"
        /// The agent's `playAudio` sent → the RTP frame at the caller (echo, continuous talk).
        case agentToCaller = "playAudio sent → RTP at caller"
        /// The same for the first frame after the agent was silent for 500 ms.
        case firstAfterIdle = "first frame after idle → RTP at caller"
        /// `clearAudio` sent → the last frame of the cleared audio at the caller (0 if none came).
        case clearToSilence = "clearAudio sent → last cleared frame at caller"
        /// INVITE sent → 200 OK received.
        case setup = "INVITE → 200 OK"
        /// rtpengine's relay (comparison run): one side's RTP sent → the other side received it.
        case relay = "rtpengine: RTP sent → relayed RTP received"
    }

    struct Counters: Codable {
        var callsStarted = 0
        var callsAnswered = 0
        var callsFailed = 0
        var callerFramesSent = 0
        /// Caller frames sent more than 40 ms after their call's previous frame (generator stalls).
        var callerFramesSentStalled = 0
        /// Caller frames the agent received (stamped).
        var agentFramesReceived = 0
        /// Frames the bridge made up for missing caller audio (no stamp).
        var concealedFramesReceived = 0
        /// Caller frames the agent never saw (sequence gaps), counted per call.
        var callerFramesLost = 0
        var echoFramesSent = 0
        var echoFramesReceived = 0
        var clearsSent = 0
        var clearedAudioEvents = 0
        var checkpointsSent = 0
        var playedStreamEvents = 0
        var silenceFramesReceived = 0
        var malformedMessages = 0
        var relayFramesSent = 0
        var relayFramesReceived = 0
        /// Caller pacer ticks that began more than 10 ms after their deadline.
        var pacerTicksLate = 0
        /// 200 OKs to an INVITE already answered (the bridge retransmitting: no ACK seen).
        var okRetransmissions = 0
        /// 200 OKs to the callers' BYEs.
        var byesAnswered = 0
    }

    /// The caller pacers' worst lag and work per tick since the last `takePacerWindow`, µs.
    struct PacerWindow {
        var maximumLag: Int64 = 0
        var maximumWork: Int64 = 0
    }

    private struct State {
        var histograms: [Latency: Histogram<UInt64>] = Dictionary(
            uniqueKeysWithValues: Latency.allCases.map { ($0, Histogram<UInt64>(highestTrackableValue: 120_000_000)) })
        var counters = Counters()
        /// Per call and clear number: when the clear was sent, and the last cleared frame's arrival.
        var clearSent: [UInt64: UInt64] = [:]
        var lastClearedFrame: [UInt64: UInt64] = [:]
        var pacer = PacerWindow()
    }

    private let state = NIOLockedValueBox(State())

    func record(_ latency: Latency, nanoseconds: UInt64) {
        state.withLockedValue { _ = $0.histograms[latency]?.record(nanoseconds / 1000) }
    }

    func count(_ update: @Sendable (inout Counters) -> Void) {
        state.withLockedValue { update(&$0.counters) }
    }

    var counters: Counters { state.withLockedValue { $0.counters } }

    /// A stamped caller frame reached the agent (one lock for its three figures).
    func agentReceived(latency nanoseconds: UInt64, lost: Int, echoed: Bool) {
        state.withLockedValue { state in
            _ = state.histograms[.callerToAgent]?.record(nanoseconds / 1000)
            state.counters.agentFramesReceived += 1
            state.counters.callerFramesLost += lost
            if echoed { state.counters.echoFramesSent += 1 }
        }
    }

    func pacerTicked(lag: TimeAmount, work: TimeAmount) {
        state.withLockedValue { state in
            if lag > .milliseconds(10) { state.counters.pacerTicksLate += 1 }
            state.pacer.maximumLag = max(state.pacer.maximumLag, lag.nanoseconds / 1000)
            state.pacer.maximumWork = max(state.pacer.maximumWork, work.nanoseconds / 1000)
        }
    }

    /// The pacer figures since the previous call (a sample's window).
    func takePacerWindow() -> PacerWindow {
        state.withLockedValue { state in
            defer { state.pacer = PacerWindow() }
            return state.pacer
        }
    }

    func clearSent(call: UInt32, number: UInt32, at time: UInt64) {
        state.withLockedValue { $0.clearSent[UInt64(call) << 32 | UInt64(number)] = time }
    }

    func clearedFrameArrived(call: UInt32, number: UInt32, at time: UInt64) {
        state.withLockedValue { $0.lastClearedFrame[UInt64(call) << 32 | UInt64(number), default: 0] = time }
    }

    /// Turns the clear bookkeeping into the clear → silence histogram.
    func settleClears() {
        state.withLockedValue { state in
            for (key, sent) in state.clearSent {
                let last = state.lastClearedFrame[key] ?? 0
                _ = state.histograms[.clearToSilence]?.record(last > sent ? (last - sent) / 1000 : 0)
            }
            state.clearSent.removeAll()
        }
    }

    struct Summary: Codable {
        var count: UInt64
        var p50: UInt64
        var p90: UInt64
        var p99: UInt64
        var p999: UInt64
        var max: UInt64
    }

    func summary(_ latency: Latency) -> Summary {
        state.withLockedValue { state in
            guard let histogram = state.histograms[latency], histogram.totalCount > 0 else {
                return Summary(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0)
            }
            return Summary(
                count: histogram.totalCount, p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
                p99: histogram.valueAtPercentile(99), p999: histogram.valueAtPercentile(99.9), max: histogram.max)
        }
    }
}
