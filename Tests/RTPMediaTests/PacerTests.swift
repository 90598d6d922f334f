import NIOCore
import Testing
import TestSupport

@testable import RTPMedia

/// The 20 ms clock, driven by simulated time: `now` is an argument, so an hour of ticks
/// runs in milliseconds.
@Suite struct PacerTests: SimulatedTime {
    static let frame: Int64 = 20_000_000

    /// Whether `deadline` lies on the `start + n·20 ms` grid.
    private func onGrid(_ deadline: NIODeadline) -> Bool {
        (deadline - Self.start).nanoseconds % Self.frame == 0
    }

    @Test func deadlinesAreStartPlusMultiplesOfTheInterval() {
        let pacer = Pacer(start: Self.start)
        #expect(pacer.nextDeadline == Self.start)
        for index: Int64 in [0, 1, 2, 50, 180_000, 4_320_000] {
            #expect(pacer.deadline(ofFrame: index) == at(index * Self.frame), "frame \(index)")
        }
        let tenMillisecond = Pacer(start: Self.start, interval: .milliseconds(10))
        #expect(tenMillisecond.deadline(ofFrame: 3) == at(30_000_000))
    }

    @Test func frameZeroIsDueAtStart() {
        var pacer = Pacer(start: Self.start)
        #expect(pacer.tick(now: Self.start) == .init(due: 1, skipped: 0, next: at(Self.frame)))
        #expect(pacer.nextFrame == 1)
    }

    @Test func earlyWakeUpsYieldNothing() {
        var pacer = Pacer(start: Self.start)
        #expect(pacer.tick(now: at(-1)) == .init(due: 0, skipped: 0, next: Self.start))
        #expect(pacer.tick(now: at(-Self.frame * 3)) == .init(due: 0, skipped: 0, next: Self.start))
        _ = pacer.tick(now: Self.start)
        #expect(pacer.tick(now: at(Self.frame - 1)) == .init(due: 0, skipped: 0, next: at(Self.frame)))
        #expect(pacer.tick(now: at(Self.frame)).due == 1)
        #expect(pacer.nextFrame == 2)
    }

    /// 100 ms after the last tick: five deadlines have passed, all within the burst.
    @Test func wakeUpAHundredMillisecondsAfterTheLastTickSendsFive() {
        var pacer = Pacer(start: Self.start)
        _ = pacer.tick(now: Self.start)
        #expect(pacer.tick(now: at(100_000_000)) == .init(due: 5, skipped: 0, next: at(120_000_000)))
    }

    /// 100 ms past the deadline it was scheduled for: six deadlines have passed (20…120 ms),
    /// so the burst cap of five sends five and skips the oldest one.
    @Test func wakeUpAHundredMillisecondsLateIsBurstCapped() {
        var pacer = Pacer(start: Self.start)
        _ = pacer.tick(now: Self.start)
        #expect(pacer.tick(now: at(120_000_000)) == .init(due: 5, skipped: 1, next: at(140_000_000)))
        #expect(pacer.nextFrame == 7)
    }

    @Test func oneSecondStallSendsABurstAndSkipsTheRestOnTheGrid() {
        var pacer = Pacer(start: Self.start, maximumBurst: 5)
        _ = pacer.tick(now: Self.start)
        let tick = pacer.tick(now: at(1_000_000_000))
        #expect(tick == .init(due: 5, skipped: 45, next: at(1_020_000_000)))
        #expect(onGrid(tick.next))
        // Back on the cadence: the next deadline yields exactly one frame.
        #expect(pacer.tick(now: tick.next) == .init(due: 1, skipped: 0, next: at(1_040_000_000)))
    }

    @Test func largeBurstCapSendsEverythingDue() {
        var pacer = Pacer(start: Self.start, maximumBurst: .max)
        _ = pacer.tick(now: Self.start)
        #expect(pacer.tick(now: at(1_000_000_000)) == .init(due: 50, skipped: 0, next: at(1_020_000_000)))
    }

    @Test func stallBeforeTheFirstTickIsCappedToo() {
        var pacer = Pacer(start: Self.start, maximumBurst: 3)
        // Frames 0…10 are due 200 ms after start.
        #expect(pacer.tick(now: at(200_000_000)) == .init(due: 3, skipped: 8, next: at(220_000_000)))
    }

    /// A driver that sleeps until `tick.next` and wakes ±5 ms off it, for one simulated hour:
    /// every frame is sent exactly once on its own wake-up, nothing is skipped, and every
    /// `next` stays on the grid (no drift accumulates).
    @Test func jitteredDriverForAnHourHasNoDrift() {
        var rng = SplitMix64(seed: 0x5EED)
        var pacer = Pacer(start: Self.start)
        var now = Self.start
        var lastTick = now
        var totalDue = 0
        var wakeUps = 0
        var faults: [String] = []
        while pacer.nextFrame < 180_000 && wakeUps < 1_000_000 {
            let frameBefore = pacer.nextFrame
            let tick = pacer.tick(now: now)
            lastTick = now
            wakeUps += 1
            totalDue += tick.due
            if tick.skipped != 0 || tick.due > 1 { faults.append("frame \(frameBefore): \(tick)") }
            if tick.due == 1 && now < pacer.deadline(ofFrame: frameBefore) {
                faults.append("frame \(frameBefore) sent before its deadline")
            }
            if !onGrid(tick.next) || tick.next <= now { faults.append("bad next \(tick.next) at \(now)") }
            if faults.count > 10 { break }
            now = tick.next + .nanoseconds(Int64.random(in: -5_000_000...5_000_000, using: &rng))
        }
        #expect(faults.isEmpty, "\(faults)")
        #expect(totalDue == 180_000)
        #expect(wakeUps > 180_000, "some wake-ups were early and sent nothing")
        #expect(Int64(totalDue) == (lastTick - Self.start).nanoseconds / Self.frame + 1)
    }

    /// A free-running timer ticking at `start + k·20 ms ± 5 ms` for an hour: early ticks send
    /// nothing and the following one catches up, so at the end the frames sent are exactly
    /// the deadlines passed, `elapsed / 20 ms + 1`.
    @Test func jitteredGridTicksForAnHourSendOneFramePerDeadline() {
        var rng = SplitMix64(seed: 42)
        var pacer = Pacer(start: Self.start)
        var totalDue = 0
        var totalSkipped = 0
        var maximumDue = 0
        var lastNow = Self.start
        for index: Int64 in 0..<180_000 {
            let jitter = Int64.random(in: -5_000_000...5_000_000, using: &rng)
            lastNow = at(index * Self.frame + jitter)
            let tick = pacer.tick(now: lastNow)
            totalDue += tick.due
            totalSkipped += tick.skipped
            maximumDue = max(maximumDue, tick.due)
        }
        let elapsed = (lastNow - Self.start).nanoseconds
        #expect(totalSkipped == 0)
        #expect(maximumDue <= 2)
        #expect(Int64(totalDue) == elapsed / Self.frame + 1)
        #expect(pacer.nextDeadline == pacer.deadline(ofFrame: Int64(totalDue)))
        #expect(onGrid(pacer.nextDeadline))
    }
}
