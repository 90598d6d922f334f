import NIOCore
import Testing

@testable import RTPMedia

/// The reorder buffer through DTX: the 20 ms clock declares silence frame by frame and the
/// audio resumes on the same timeline.
extension InboundJitterBufferTests {
    // MARK: - DTX and the clock

    /// After the last packet the clock declares one 160-unit frame per 20 ms once the slot's
    /// due time plus the window has passed.
    @Test func silenceIsDeclaredFrameByFrame() {
        var driver = Driver()
        _ = driver.push(0, at: 0)
        #expect(driver.buffer.nextDeadline == Self.at(40))
        #expect(driver.tick(at: 39.9) == [])
        #expect(driver.tick(at: 40) == [.missing(160)])
        #expect(driver.buffer.nextDeadline == Self.at(60))
        #expect(driver.tick(at: 50) == [])
        #expect(driver.tick(at: 60) == [.missing(160)])
        // A late wake-up catches up.
        #expect(driver.tick(at: 125) == [.missing(160), .missing(160), .missing(160)])
        #expect(driver.buffer.nextDeadline == Self.at(140))
        #expect(driver.buffer.missingUnits == 5 * 160)
    }

    /// 10 s of DTX: 500 frames declared (±1 at the instant packets resume); packets resuming
    /// with timestamps advanced by the silence continue the audio with nothing dropped or
    /// resynchronised and no burst above two frames at any instant. `phase` shifts the resumed
    /// packets later against the tick grid (the network delay grew); `tickFirst` decides ties
    /// between a tick and a packet, which the call's event loop may run in either order. The
    /// same holds whether the sequence numbers run on through the silence (DTX, RFC 3551
    /// §4.1) or jump with the timestamps (500 packets lost).
    @Test(arguments: [0, 0.5, 7, 15, 19.5], [Numbering.throughSilence, .withGap])
    func tenSecondsOfSilence(phase: Double, numbering: Numbering) {
        for tickFirst in [true, false] {
            let problems = continuityProblems(silence(resumingAt: phase, tickFirst: tickFirst, numbering: numbering))
            #expect(problems.isEmpty, "tickFirst \(tickFirst): \(problems)")
        }
    }

    /// How `outcome` departs from a continuous silence: nothing when 499–501 frames were
    /// declared at the resume, exactly the silence is missing, nothing is late or resynchronised,
    /// no instant releases more than two frames, and the timeline is 50 packets of audio, 500
    /// silent frames and 50 more packets, in order.
    private func continuityProblems(_ outcome: SilenceOutcome) -> [String] {
        var problems: [String] = []
        let declared = outcome.framesDeclaredAtResume
        if !(499...501).contains(declared) { problems.append("declared \(declared) frames") }
        if outcome.missingUnits != 500 * 160 { problems.append("missing \(outcome.missingUnits) units, not exactly the silence") }
        if outcome.late != 0 { problems.append("\(outcome.late) late") }
        if outcome.resyncs != 0 { problems.append("\(outcome.resyncs) resyncs") }
        if outcome.largestBurst > 320 { problems.append("largest release at one instant: \(outcome.largestBurst) units") }
        var expected: [Released] = (0..<50).map { audio(UInt32($0) * 160) }
        expected += Array(repeating: .missing(160), count: 500)
        expected += (550..<600).map { audio(UInt32($0) * 160) }
        if outcome.timeline != merged(expected) { problems.append("the stream is not continuous: \(outcome.timeline)") }
        return problems
    }

    /// Resuming *earlier* against the tick grid (the network delay shrank) after DTX: the first
    /// packet arrives before the clock declared the last silent slot, but its sequence number
    /// follows the last packet's (RFC 3551 §4.1: the timestamp jumps over a silence, the
    /// sequence number does not), so no packet is missing: the slot is declared at once and the
    /// packet plays on arrival, without waiting out a reorder window.
    @Test(arguments: [-0.5, -7, -15])
    func tenSecondsOfSilenceResumingEarly(phase: Double) {
        let outcome = silence(resumingAt: phase, tickFirst: true, numbering: .throughSilence)
        let problems = continuityProblems(outcome)
        #expect(problems.isEmpty, "\(problems)")
        #expect(outcome.firstResumedReleasedAt == 550 * 20 + phase, "played on arrival")
    }

    /// The same with the sequence numbers jumping too (500 packets lost): the first packet back
    /// may be followed by a late one for the slot before it, so it is held one reorder window
    /// from its arrival, and the next packet, landing at that deadline, comes out with it and
    /// the gap: three frames at one instant, the price of waiting for a packet that might come.
    @Test(arguments: [-0.5, -7, -15])
    func tenSecondsLostResumingEarly(phase: Double) {
        let outcome = silence(resumingAt: phase, tickFirst: true, numbering: .withGap)
        #expect(outcome.missingUnits == 500 * 160)
        #expect(outcome.late == 0)
        #expect(outcome.timeline.count == 3)
        #expect(outcome.firstResumedReleasedAt == 550 * 20 + phase + 20, "held one window")
        #expect(outcome.largestBurst == 480)
    }

    /// How a sender numbers its packets across the 10 s without audio.
    enum Numbering: CustomTestStringConvertible, Sendable {
        /// DTX: the sequence number runs on (RFC 3551 §4.1).
        case throughSilence
        /// Loss: the sequence number jumps with the timestamp.
        case withGap

        var testDescription: String { self == .throughSilence ? "DTX" : "loss" }
    }

    private struct SilenceOutcome {
        var framesDeclaredAtResume: Int
        var missingUnits: Int
        var late: Int
        var resyncs: Int
        var largestBurst: Int
        var timeline: [Released]
        /// When the first packet after the silence was released (ms).
        var firstResumedReleasedAt: Double?
    }

    /// 50 packets 20 ms apart, 500 frames (10 s) not sent, 50 more shifted by `phase` ms; the
    /// clock ticks at every `nextDeadline`.
    private func silence(resumingAt phase: Double, tickFirst: Bool, numbering: Numbering) -> SilenceOutcome {
        var driver = Driver()
        var releases: [(time: Double, released: [Released])] = []
        var declaredAtResume = -1
        func runTicks(until milliseconds: Double, inclusive: Bool) {
            while let deadline = driver.buffer.nextDeadline {
                let time = Double((deadline - Self.origin).nanoseconds) / 1_000_000
                guard time < milliseconds || (inclusive && time == milliseconds) else { break }
                releases.append((time, driver.tick(at: deadline)))
            }
        }
        for index in Array(0..<50) + Array(550..<600) {
            let arrival = Double(index) * 20 + (index >= 550 ? phase : 0)
            runTicks(until: arrival, inclusive: tickFirst)
            if index == 550 { declaredAtResume = driver.buffer.missingUnits / 160 }
            let sequence = UInt16(numbering == .throughSilence && index >= 550 ? index - 500 : index)
            releases.append((arrival, driver.push(UInt32(index) * 160, sequence: sequence, at: arrival)))
        }
        // Until the last packet's hold could have expired, not into the silence after it.
        runTicks(until: 599 * 20 + phase + 30, inclusive: true)
        var perInstant: [Double: Int] = [:]
        for release in releases {
            perInstant[release.time, default: 0] += release.released.reduce(0) { $0 + $1.units }
        }
        return SilenceOutcome(
            framesDeclaredAtResume: declaredAtResume, missingUnits: driver.buffer.missingUnits,
            late: driver.buffer.late, resyncs: driver.buffer.resyncs, largestBurst: perInstant.values.max() ?? 0,
            timeline: merged(releases.flatMap(\.released)),
            firstResumedReleasedAt: releases.first { $0.released.contains(audio(550 * 160)) }?.time)
    }

    /// After a stall (no tick for seconds) one tick declares at most `maximumFillPerTick` frames
    /// and the clock re-anchors at that instant.
    @Test func stalledClockIsBoundedPerTick() {
        var driver = Driver()
        _ = driver.push(0, at: 0)
        let released = driver.tick(at: 5_000)
        #expect(released == Array(repeating: .missing(160), count: 50))
        #expect(driver.buffer.nextDeadline == Self.at(5_020))
    }

    /// `startClock` runs the 20 ms clock before the first packet; that packet is then played
    /// at once.
    @Test func clockStartedBeforeTheFirstPacket() {
        var driver = Driver()
        driver.buffer.startClock(at: Self.at(0))
        #expect(driver.buffer.nextDeadline == Self.at(20))
        #expect(driver.runTicks(until: 100) == Array(repeating: [.missing(160)], count: 5))
        #expect(driver.push(77_777, at: 105) == [audio(77_777)])
        #expect(driver.push(77_937, at: 125) == [audio(77_937)])
        #expect(driver.buffer.resyncs == 0)
        // Starting it again changes nothing.
        driver.buffer.startClock(at: Self.at(1_000))
        #expect(driver.buffer.nextDeadline == Self.at(165))
    }
}
