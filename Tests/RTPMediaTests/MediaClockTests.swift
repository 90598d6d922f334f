import NIOCore
import NIOEmbedded
import Testing

@testable import RTPMedia

/// The per-loop media clock (issue 7): a fixed 5 ms grid on the loop's own time, clients
/// ticked in order, started by the first client and stopped by the last — driven by an
/// `EmbeddedEventLoop`'s manual clock.
@Suite struct MediaClockTests {
    final class Recorder: MediaClockClient {
        var ticks: [NIODeadline] = []
        var onTick: (NIODeadline) -> Void = { _ in }
        var settles: [NIODeadline] = []
        /// What the next ticks return (a passed media deadline).
        var unsettled = false
        func mediaClockTicked(now: NIODeadline) -> Bool {
            ticks.append(now)
            onTick(now)
            return unsettled
        }
        func mediaClockSettled(now: NIODeadline) { settles.append(now) }
    }

    private func ms(_ value: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(value) * 1_000_000) }

    @Test func ticksFallOnTheGridWhateverTheClientJoinsAt() {
        let loop = EmbeddedEventLoop()
        let clock = MediaClock(eventLoop: loop, epoch: ms(0))
        loop.advanceTime(to: ms(3))
        let client = Recorder()
        clock.add(client)
        loop.advanceTime(to: ms(21))
        #expect(client.ticks == [ms(5), ms(10), ms(15), ms(20)])
        #expect(clock.ticks == 4)
    }

    @Test func aFrameGridStartsOnATick() {
        let loop = EmbeddedEventLoop()
        let clock = MediaClock(eventLoop: loop, epoch: ms(100))
        #expect(clock.tick(atOrAfter: ms(100)) == ms(100))
        #expect(clock.tick(atOrAfter: ms(101)) == ms(105))
        #expect(clock.tick(atOrAfter: ms(105)) == ms(105))
        #expect(clock.tick(atOrAfter: ms(50)) == ms(100), "before the epoch: the epoch")
        // A pacer started there has every 20 ms deadline on a tick.
        let pacer = Pacer(start: clock.tick(atOrAfter: ms(117)))
        #expect((0..<5).allSatisfy { clock.tick(atOrAfter: pacer.deadline(ofFrame: $0)) == pacer.deadline(ofFrame: $0) })
    }

    @Test func theLastClientStopsTheClockAndTheNextStartsItAgain() {
        let loop = EmbeddedEventLoop()
        let clock = MediaClock(eventLoop: loop, epoch: ms(0))
        let first = Recorder()
        let second = Recorder()
        clock.add(first)
        clock.add(first)  // once only
        clock.add(second)
        loop.advanceTime(to: ms(10))
        #expect(first.ticks.count == 2 && second.ticks.count == 2)
        clock.remove(first)
        loop.advanceTime(to: ms(15))
        #expect(first.ticks.count == 2 && second.ticks.count == 3)
        clock.remove(second)
        #expect(clock.clientCount == 0)
        loop.advanceTime(to: ms(100))
        #expect(clock.ticks == 3, "no client, no ticks")
        clock.add(first)
        loop.advanceTime(to: ms(106))
        #expect(first.ticks.count == 3 && first.ticks.last == ms(105), "the next grid tick after joining at 100")
    }

    @Test func aClientMayLeaveOrJoinDuringItsTick() {
        let loop = EmbeddedEventLoop()
        let clock = MediaClock(eventLoop: loop, epoch: ms(0))
        let leaving = Recorder()
        let staying = Recorder()
        let joining = Recorder()
        leaving.onTick = { [unowned clock, unowned leaving] _ in
            clock.remove(leaving)
            clock.add(joining)
        }
        clock.add(leaving)
        clock.add(staying)
        loop.advanceTime(to: ms(5))
        #expect(leaving.ticks == [ms(5)] && staying.ticks == [ms(5)], "the tick's list was fixed when it began")
        #expect(joining.ticks.isEmpty)
        loop.advanceTime(to: ms(10))
        #expect(leaving.ticks.count == 1 && staying.ticks == [ms(5), ms(10)] && joining.ticks == [ms(10)])
        #expect(clock.ticks == 2, "one scheduled tick at a time")
    }

    /// A passed media deadline at a tick is settled after it (at once on an embedded loop);
    /// a tick where none passed settles nothing.
    @Test func passedMediaDeadlinesAreSettledAfterTheTick() {
        let loop = EmbeddedEventLoop()
        let clock = MediaClock(eventLoop: loop, epoch: ms(0))
        let quiet = Recorder()
        let waiting = Recorder()
        clock.add(quiet)
        clock.add(waiting)
        loop.advanceTime(to: ms(5))
        #expect(quiet.settles.isEmpty && waiting.settles.isEmpty)
        waiting.unsettled = true
        loop.advanceTime(to: ms(10))
        #expect(waiting.settles == [ms(10)])
        #expect(quiet.settles == [ms(10)], "every client settles: each checks its own deadlines")
    }
}
