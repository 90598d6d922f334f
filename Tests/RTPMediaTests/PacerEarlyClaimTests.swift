import NIOCore
import Testing

@testable import RTPMedia

/// Audio that arrives to an empty queue goes out at once when its slot is near
/// (`Pacer.claimNextFrame(arrival:)`), in simulated time.
@Suite struct PacerEarlyClaimTests: SimulatedTime {
    @Test func aSlotWithinOneIntervalPlusTheToleranceIsClaimed() {
        var strict = Pacer(start: Self.start)
        let tooEarly = strict.claimNextFrame(arrival: at(-20 * Self.millisecond - 1))
        #expect(!tooEarly)
        #expect(strict.nextFrame == 0)
        let oneIntervalEarly = strict.claimNextFrame(arrival: at(-20 * Self.millisecond))
        #expect(oneIntervalEarly)
        #expect(strict.nextFrame == 1)

        var tolerant = Pacer(start: Self.start, earlyTolerance: .milliseconds(5))
        let beyondTolerance = tolerant.claimNextFrame(arrival: at(-25 * Self.millisecond - 1))
        #expect(!beyondTolerance)
        let withinTolerance = tolerant.claimNextFrame(arrival: at(-25 * Self.millisecond))
        #expect(withinTolerance)
        // The claimed slot is skipped by the ticks: its frame has gone.
        let tick = tolerant.tick(now: Self.start)
        #expect(tick == .init(due: 0, skipped: 0, next: at(20 * Self.millisecond)))
    }

    /// A talk-spurt's first frame goes out at once whatever its slot, and the grid moves with
    /// it: later slots fall due one interval apart from the slot it was given.
    @Test func aTalkSpurtMovesTheGrid() {
        let ms = Self.millisecond
        var pacer = Pacer(start: Self.start)
        #expect(pacer.tick(now: at(45 * ms)).due == 3)
        pacer.claimTalkSpurt(slot: at(57 * ms))
        #expect(pacer.nextFrame == 4)
        #expect(pacer.deadline(ofFrame: 3) == at(57 * ms))
        #expect(pacer.nextDeadline == at(77 * ms))
        #expect(pacer.tick(now: at(76 * ms)).due == 0)
        #expect(pacer.tick(now: at(77 * ms)) == .init(due: 1, skipped: 0, next: at(97 * ms)))
    }

    /// Audio faster than real time: however often it finds the queue empty, at most two
    /// frames leave at one instant and none more than an interval plus the tolerance early.
    @Test func earlyFramesAreBounded() {
        for tolerance: Int64 in [0, 5, 19] {
            var pacer = Pacer(start: Self.start, earlyTolerance: .nanoseconds(tolerance * Self.millisecond))
            let arrival = at(-3 * Self.millisecond)
            var claimed = 0
            for _ in 0..<10 {
                let slot = pacer.nextDeadline
                guard pacer.claimNextFrame(arrival: arrival) else { break }
                #expect(slot - arrival <= .nanoseconds((20 + tolerance) * Self.millisecond))
                claimed += 1
            }
            // The first slot is 3 ms ahead, the second 23 ms: inside 20 ms + the tolerance
            // from 3 ms of tolerance on.
            #expect(claimed == (tolerance >= 3 ? 2 : 1), "tolerance \(tolerance) ms")
        }
    }

    /// An AI server streaming in real time whose frames arrive just before a slot boundary,
    /// ±1 ms of jitter: a whole interval of tolerance-free early sending leaves some frames
    /// waiting for their slot (and everything after them queued behind); one 5 ms clock tick
    /// of tolerance sends every frame on arrival. The first frame claims a slot only 0.2 ms
    /// ahead, so the first late frame finds that slot gone without audio; it then claims the
    /// next one, 19 ms ahead, where ±1 ms fits: one empty slot in 500.
    @Test func realTimeStreamWithJitterIsSentOnArrival() {
        let strict = Self.jitteredStream(tolerance: .zero)
        #expect(strict.held > 0)
        let tolerant = Self.jitteredStream(tolerance: .milliseconds(5))
        #expect(tolerant.held == 0)
        #expect(tolerant.emptySlots <= 1)
    }

    /// 500 frames 0.2 ms before their slots with ±1 ms of jitter, the media clock's 5 ms ticks
    /// between them: how many frames could not claim a slot on arrival (`held`), and how many
    /// slots fell due without audio (`emptySlots`).
    static func jitteredStream(tolerance: TimeAmount) -> (held: Int, emptySlots: Int) {
        var pacer = Pacer(start: start, earlyTolerance: tolerance)
        var held = 0
        var emptySlots = 0
        var tick = start
        for frame: Int64 in 0..<500 {
            let jitter: Int64 = [0, 1, -1, 1, 0, -1][Int(frame % 6)] * millisecond
            let arrival = start + .nanoseconds(frame * 20 * millisecond - 200_000 + jitter)
            // The media clock's 5 ms ticks up to the arrival: whatever falls due there goes
            // out without this audio.
            while tick <= arrival {
                if tick >= pacer.nextDeadline { emptySlots += pacer.tick(now: tick).due }
                tick = tick + .milliseconds(5)
            }
            if !pacer.claimNextFrame(arrival: arrival) { held += 1 }
        }
        return (held, emptySlots)
    }
}
