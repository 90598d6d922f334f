import NIOCore
import Testing

@testable import RTPMedia

/// The reorder buffer across timeline changes: timestamp jumps, a new SSRC, wrap-around.
extension InboundJitterBufferTests {
    // MARK: - Timeline changes

    /// A jump beyond `resyncUnits` is a new timeline: no seconds of loss, the packet plays.
    @Test func largeForwardJumpResyncs() {
        var driver = Driver()
        _ = driver.push(0, at: 0)
        _ = driver.push(160, at: 20)
        let jumped: UInt32 = 320 + 16_001
        #expect(driver.push(jumped, at: 40) == [audio(jumped)])
        #expect(driver.buffer.resyncs == 1)
        #expect(driver.buffer.missingUnits == 0)
        #expect(driver.push(jumped + 160, at: 60) == [audio(jumped + 160)])
        // Exactly `resyncUnits` ahead is still loss (held, then declared).
        let edge = jumped + 320 + 16_000
        #expect(driver.push(edge, at: 80) == [])
        #expect(driver.tick(at: 100) == [.missing(16_000), audio(edge)])
        #expect(driver.buffer.resyncs == 1)
    }

    /// A resync first gives up the gap below the held packets and releases them.
    @Test func resyncReleasesWhatIsHeld() {
        var driver = Driver()
        _ = driver.push(0, at: 0)
        #expect(driver.push(320, at: 20) == [])
        #expect(driver.push(900_000, at: 25) == [.missing(160), audio(320), audio(900_000)])
        #expect(driver.buffer.resyncs == 1)
        #expect(driver.buffer.nextDeadline == Self.at(25 + 20 + 20))
    }

    /// The same SSRC restarting its timestamps far below the current ones is a new timeline
    /// too: its audio must play, not be dropped as late until the old timeline is reached.
    @Test func largeBackwardJumpResyncs() {
        var driver = Driver()
        _ = driver.push(1_000_000, at: 0)
        _ = driver.push(1_000_160, at: 20)
        #expect(driver.push(5_000, at: 40) == [audio(5_000)])
        #expect(driver.push(5_160, at: 60) == [audio(5_160)])
        #expect(driver.buffer.resyncs == 1)
        #expect(driver.buffer.late == 0)
    }

    /// `reset()` (new SSRC) forgets the timeline and anything held, counts a resync, keeps the
    /// other counters, and keeps the 20 ms clock running.
    @Test func resetStartsAfresh() {
        var driver = Driver()
        _ = driver.push(500_000, at: 0)
        _ = driver.push(500_480, at: 20)  // held
        #expect(driver.tick(at: 40) == [.missing(320), audio(500_480)])
        _ = driver.push(500_800, at: 41)  // held behind a gap
        driver.buffer.reset()
        #expect(driver.buffer.resyncs == 1)
        #expect(driver.buffer.missingUnits == 320)
        #expect(driver.buffer.nextDeadline != nil, "the clock keeps running")
        #expect(driver.push(3, at: 45) == [audio(3)], "any timestamp starts the new timeline")
        #expect(driver.push(163, at: 65) == [audio(163)])
        #expect(driver.tick(at: 200).allSatisfy { $0 == .missing(160) }, "the dropped held packet never comes out")
        #expect(driver.buffer.missingUnits >= 320)
        #expect(driver.buffer.late == 0)
    }

    /// RTP timestamps wrap at 2^32: in order, reordered and lost across the wrap.
    @Test func timestampWrap() {
        var driver = Driver()
        let start = UInt32.max - 319  // frames at start, start+160, then 0 (wrapped), 160, 320…
        #expect(driver.push(start, at: 0) == [audio(start)])
        #expect(driver.push(start &+ 160, at: 20) == [audio(start &+ 160)])
        #expect(driver.push(160, at: 40) == [], "after the wrap, waiting for 0")
        #expect(driver.push(0, at: 41) == [audio(0), audio(160)])
        #expect(driver.push(480, at: 80) == [])
        #expect(driver.tick(at: 100) == [.missing(160), audio(480)])
        #expect(driver.buffer.resyncs == 0)
        #expect(driver.buffer.late == 0)
    }

    // MARK: - Delay steps

    /// The path's delay grows by `step` ms at once (a route change, a carrier's media server
    /// stalling) and stays: the frames sent during the step were declared missing while they
    /// were on their way, so they come late and are dropped, but the timeline then follows the
    /// later arrivals and every frame after them plays. (The clock used to keep running ahead
    /// of the sender and drop every later packet as late, for the rest of the call.)
    @Test(arguments: [60.0, 100, 250])
    func delayStepResynchronises(step: Double) {
        var driver = Driver()
        var released: [Released] = []
        var playedAfterStep: [UInt32] = []
        for frame in 0..<120 {
            let timestamp = UInt32(frame * 160)
            let arrival = Double(frame * 20) + (frame > 10 ? step : 0)
            released += driver.runTicks(until: arrival, inclusive: false).flatMap { $0 }
            let out = driver.push(timestamp, at: arrival)
            released += out
            if frame > 10, out == [audio(timestamp)] { playedAfterStep.append(timestamp) }
        }
        let lateBound = Int(step / 20) + 2
        #expect(driver.buffer.late <= lateBound, "frames in flight during the step, no more")
        #expect(playedAfterStep.count >= 109 - lateBound)
        #expect(playedAfterStep.last.map(Int.init) == 119 * 160, "the timeline follows the sender")
        // The stream stays contiguous: every slot came out once, as audio or concealment.
        #expect(released.reduce(0) { $0 + $1.units } == 120 * 160)
    }
}

