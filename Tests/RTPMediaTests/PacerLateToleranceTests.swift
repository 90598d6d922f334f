import NIOCore
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
    /// or silence for every slot due.
    static func play(_ arrivals: [Int64], lateTolerance: Int64, until end: Int64) -> Outcome {
        var pacer = Pacer(
            start: start, earlyTolerance: .nanoseconds(5 * millisecond), lateTolerance: .nanoseconds(lateTolerance * millisecond))
        var queue: [Int64] = []
        var previousSlotHadAudio = false
        var outcome = Outcome()
        var next = 0
        var tick: Int64 = 0
        while tick <= end {
            while next < arrivals.count && arrivals[next] < tick {
                let arrival = arrivals[next]
                next += 1
                if queue.isEmpty && pacer.claimNextFrame(arrival: start + .nanoseconds(arrival)) {
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
                            outcome.silenceLateness.append(tick - index * 20 * millisecond)
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

    /// A stream whose frames go out 7.7 ms ahead of their slots; one frame comes 10 ms late,
    /// 2.3 ms after its slot. Without the wait, its slot goes out silent, it claims the next
    /// one and every later frame waits a slot in the queue: 27.7 ms each for the remaining
    /// 199 frames. With one tick of wait it fills its own slot late, and nothing else changes.
    @Test func aFrameLateByLessThanATickFillsItsOwnSlot() {
        let arrivals = Self.stream(phase: -8, delayOfFrame100: 10)
        let end = 6_200 * Self.millisecond

        let without = Self.play(arrivals, lateTolerance: 0, until: end)
        #expect(without.silentSlots.first == 100)
        #expect(without.waits.filter { $0 > 20 * Self.millisecond }.count == 199)

        let with = Self.play(arrivals, lateTolerance: 5, until: end)
        #expect(with.waits.count == 300)
        #expect(with.waits.filter { $0 > 0 }.isEmpty, "every frame out on arrival")
        #expect(with.silentSlots.allSatisfy { $0 >= 300 }, "no silent slot inside the stream")
    }

    /// Later than the tick of wait, the frame still finds its slot gone (the limit the wait
    /// does not remove: the stream then stays a frame behind until its next pause).
    @Test func aFrameLaterThanTheWaitStillLosesItsSlot() {
        let arrivals = Self.stream(phase: -8, delayOfFrame100: 14)
        let with = Self.play(arrivals, lateTolerance: 5, until: 6_200 * Self.millisecond)
        #expect(with.silentSlots.first == 100)
        #expect(with.waits.filter { $0 > 20 * Self.millisecond }.count == 199)
    }

    /// The wait applies only while audio flows: when the stream stops, its first silent slot
    /// leaves one tick late, the ones after it on time.
    @Test func whenTheStreamStopsOnlyTheFirstSilenceWaits() {
        let arrivals = (0..<10).map { frame in (frame * 20 - 8) * Self.millisecond + 300_000 }
        let outcome = Self.play(arrivals, lateTolerance: 5, until: 400 * Self.millisecond)
        #expect(outcome.waits == Array(repeating: 0, count: 10))
        #expect(outcome.silentSlots.first == 10)
        #expect(outcome.silenceLateness.first == 5 * Self.millisecond)
        #expect(outcome.silenceLateness.dropFirst().allSatisfy { $0 == 0 })
        #expect(outcome.silentSlots.count == 11, "slots 10 to 20, every one sent")
    }
}
