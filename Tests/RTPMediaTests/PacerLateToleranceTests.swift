import NIOCore
import NIOEmbedded
import Testing

@testable import RTPMedia

/// A slot waits one clock tick for a real-time AI stream's late frame
/// (`Pacer.tick(now:awaitingAudio:)`), in simulated time: a model of the call's playout
/// (`Call.paceFrames`, `Call.sendOnArrival`) with 5 ms clock ticks on the slots' grid.
@Suite struct PacerLateToleranceTests: SimulatedTime {
    /// What went out towards the caller.
    struct Outcome {
        /// Per frame of the AI stream: how long it waited between its arrival and its packet.
        var waits: [Int64] = []
        /// Slots that went out as silence after the stream's first frame.
        var silentSlots: [Int64] = []
        /// When each silent slot's packet left, relative to its deadline.
        var silenceLateness: [Int64] = []
    }

    /// Plays `arrivals` (nanoseconds after `start`, one 20 ms frame each) through a pacer and
    /// the call's queue rules until `end`: a frame finding the queue empty goes out at once
    /// when the pacer lets it claim a slot, else it queues; each tick sends the queue's head
    /// or silence for every slot due. With `movesGrid`, as in the call, a frame that finds the
    /// queue empty after a slot without audio starts a talk-spurt: it goes out at once and its
    /// slot moves to the first tick 10 ms or more after it (`Pacer.claimTalkSpurt(slot:)`), and
    /// each later frame sent on arrival draws the grid an eighth of the way back to 10 ms
    /// (`Pacer.track(arrival:slot:target:)`); without, the grid stays where the call's answer
    /// put it (the rules before 2026-11-30).
    static func play(_ arrivals: [Int64], lateTolerance: Int64, movesGrid: Bool = true, until end: Int64) -> Outcome {
        var pacer = Pacer(
            start: start, earlyTolerance: .nanoseconds(5 * millisecond), lateTolerance: .nanoseconds(lateTolerance * millisecond))
        // The call's clock, for where a talk-spurt's slot goes (its ticks are this model's).
        let clock = MediaClock(eventLoop: EmbeddedEventLoop(), epoch: start)
        var queue: [Int64] = []
        var previousSlotHadAudio = false
        var outcome = Outcome()
        var next = 0
        var tick: Int64 = 0
        while tick <= end {
            while next < arrivals.count && arrivals[next] < tick {
                let arrival = arrivals[next]
                next += 1
                let centred = clock.tick(atOrAfter: start + .nanoseconds(arrival + 10 * millisecond))
                let deadline = pacer.nextDeadline
                if queue.isEmpty && movesGrid && !previousSlotHadAudio {
                    pacer.claimTalkSpurt(slot: centred)
                    outcome.waits.append(0)
                    previousSlotHadAudio = true
                } else if queue.isEmpty && pacer.claimNextFrame(arrival: start + .nanoseconds(arrival)) {
                    if movesGrid { pacer.track(arrival: start + .nanoseconds(arrival), slot: deadline, target: .milliseconds(10)) }
                    outcome.waits.append(0)
                    previousSlotHadAudio = true
                } else {
                    queue.append(arrival)
                }
            }
            let now = start + .nanoseconds(tick)
            if now >= pacer.nextDeadline {
                let firstDue = pacer.nextFrame
                let result = pacer.tick(now: now, awaitingAudio: previousSlotHadAudio && queue.isEmpty)
                if result.skipped > 0 { previousSlotHadAudio = false }
                for slot in 0..<Int64(result.due) {
                    if queue.isEmpty {
                        if !outcome.waits.isEmpty {
                            let index = firstDue + Int64(result.skipped) + slot
                            outcome.silentSlots.append(index)
                            outcome.silenceLateness.append((now - pacer.deadline(ofFrame: index)).nanoseconds)
                        }
                        previousSlotHadAudio = false
                    } else {
                        outcome.waits.append(tick - queue.removeFirst())
                        previousSlotHadAudio = true
                    }
                }
            }
            tick += 5 * millisecond
        }
        return outcome
    }

    /// 300 frames in real time, each `phase` ms from its slot, frame 100 `delay` ms later.
    static func stream(phase: Int64, delayOfFrame100 delay: Int64) -> [Int64] {
        (0..<300).map { frame in (frame * 20 + phase + (frame == 100 ? delay : 0)) * millisecond + 300_000 }
    }

    /// A stream whose frames go out 7.7 ms ahead of their slots on a grid that stays put
    /// (no talk-spurt moves it, the wait alone); one frame comes 10 ms late, 2.3 ms after its
    /// slot. Without the wait, its slot goes out silent, it claims the next one and every later
    /// frame waits a slot in the queue: 27.7 ms each for the remaining 199 frames. With one
    /// tick of wait it fills its own slot late, and nothing else changes.
    @Test func aFrameLateByLessThanATickFillsItsOwnSlot() {
        let arrivals = Self.stream(phase: -8, delayOfFrame100: 10)
        let end = 6_200 * Self.millisecond

        let without = Self.play(arrivals, lateTolerance: 0, movesGrid: false, until: end)
        #expect(without.silentSlots.first == 100)
        #expect(without.waits.filter { $0 > 20 * Self.millisecond }.count == 199)

        let with = Self.play(arrivals, lateTolerance: 5, movesGrid: false, until: end)
        #expect(with.waits.count == 300)
        #expect(with.waits.filter { $0 > 0 }.isEmpty, "every frame out on arrival")
        #expect(with.silentSlots.allSatisfy { $0 >= 300 }, "no silent slot inside the stream")
    }

    /// Later than the tick of wait, the frame still finds its slot gone (the limit the wait
    /// does not remove: the stream then stays a frame behind until its next pause), unless
    /// the talk-spurt's start moved the grid: the first frame's slot then falls due 12.7 ms
    /// after it, and 14 ms late still fits.
    @Test func aFrameLaterThanTheWaitStillLosesItsSlot() {
        let arrivals = Self.stream(phase: -8, delayOfFrame100: 14)
        let end = 6_200 * Self.millisecond
        let fixedGrid = Self.play(arrivals, lateTolerance: 5, movesGrid: false, until: end)
        #expect(fixedGrid.silentSlots.first == 100)
        #expect(fixedGrid.waits.filter { $0 > 20 * Self.millisecond }.count == 199)

        let movedGrid = Self.play(arrivals, lateTolerance: 5, until: end)
        #expect(movedGrid.waits == Array(repeating: 0, count: 300))
        #expect(movedGrid.silentSlots.allSatisfy { $0 >= 300 })
    }

    /// The worst phase for a grid that stays put: a real-time stream whose first frame comes
    /// 0.3 ms before a slot boundary, then jitter sweeping ±12 ms in 4 ms steps. Claimed 0.3 ms
    /// ahead, the slot leaves a late frame only the tick of wait: the first frame 8 ms late
    /// finds its slot gone (silence mid-stream, an underrun) and the frames that come early
    /// afterwards wait in the queue. When the talk-spurt's start moves the grid, its slots fall
    /// due 10.3 ms after the arrivals' phase: every frame goes out on arrival and no slot inside
    /// the stream is silent.
    @Test func aTalkSpurtCentresTheGridOnItsArrivals() {
        let sweep: [Int64] = [0, 4, 8, 12, 8, 4, 0, -4, -8, -12, -8, -4]
        let arrivals = (0..<300).map { frame in (Int64(frame) * 20 + sweep[frame % sweep.count]) * Self.millisecond - 300_000 }
        let end = 6_200 * Self.millisecond

        let fixedGrid = Self.play(arrivals, lateTolerance: 5, movesGrid: false, until: end)
        #expect(fixedGrid.silentSlots.first == 2)
        #expect(fixedGrid.waits.contains { $0 > 0 })

        let movedGrid = Self.play(arrivals, lateTolerance: 5, until: end)
        #expect(movedGrid.waits == Array(repeating: 0, count: 300))
        #expect(movedGrid.silentSlots.allSatisfy { $0 >= 300 }, "no silent slot inside the stream")
    }

    /// A stream that loses time and never makes it up, as an AI server pacing itself with
    /// sleeps does when it restarts its schedule from a late wake-up: 3 ms later every eight
    /// frames. On a grid moved only at talk-spurts, the drift eats the 10–15 ms of room and the
    /// tick's wait, and every 40-odd frames a slot goes out silent; when every frame sent on
    /// arrival draws the grid too, no slot inside the stream is silent and every frame goes out
    /// on arrival.
    @Test func theGridFollowsAStreamThatDriftsLate() {
        let arrivals = (0..<300).map { frame in (Int64(frame) * 20 + Int64(frame / 8) * 3) * Self.millisecond - 300_000 }
        let end = 7_000 * Self.millisecond

        let fixedGrid = Self.play(arrivals, lateTolerance: 5, movesGrid: false, until: end)
        #expect(fixedGrid.silentSlots.filter { $0 < 300 }.count > 5)

        let movedGrid = Self.play(arrivals, lateTolerance: 5, until: end)
        #expect(movedGrid.waits == Array(repeating: 0, count: 300))
        #expect(movedGrid.silentSlots.allSatisfy { $0 >= 300 }, "no silent slot inside the stream")
    }

    /// The wait applies only while audio flows: when the stream stops, its first silent slot
    /// leaves one tick later than the ones after it.
    @Test func whenTheStreamStopsOnlyTheFirstSilenceWaits() throws {
        let arrivals = (0..<10).map { frame in (frame * 20 - 8) * Self.millisecond + 300_000 }
        let outcome = Self.play(arrivals, lateTolerance: 5, until: 420 * Self.millisecond)
        #expect(outcome.waits == Array(repeating: 0, count: 10))
        #expect(outcome.silentSlots.first == 10)
        // The frames drew the grid off the clock's ticks: every slot leaves at the tick after
        // its deadline, the first one tick later still.
        let onTime = try #require(outcome.silenceLateness.dropFirst().first)
        #expect(onTime >= 0 && onTime < 5 * Self.millisecond)
        #expect(outcome.silenceLateness.first == onTime + 5 * Self.millisecond)
        #expect(outcome.silenceLateness.dropFirst().allSatisfy { $0 == onTime })
        #expect(outcome.silentSlots.count == 11, "slots 10 to 20, every one sent")
    }
}
