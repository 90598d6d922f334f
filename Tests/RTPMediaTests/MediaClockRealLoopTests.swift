import Glibc
import NIOCore
import NIOPosix
import Testing

@testable import RTPMedia

/// The clock on a real event loop, where its ticks are `NIOScheduledCallback`s (the embedded
/// loop of `MediaClockTests` takes NIO's default path through `scheduleTask`).
@Suite(.timeLimit(.minutes(1))) struct MediaClockRealLoopTests {
    private final class Client: MediaClockClient, @unchecked Sendable {
        var ticks: [NIODeadline] = []
        var onTick: (Int) -> Void = { _ in }
        func mediaClockTicked(now: NIODeadline) -> Bool {
            ticks.append(now)
            onTick(ticks.count)
            return false
        }
        func mediaClockSettled(now: NIODeadline) {}
    }

    @Test func ticksRunAndStopWithTheLastClientAndADroppedClockIsHarmless() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let client = Client()
        let fiveTicks = loop.makePromise(of: Void.self)
        let started = try await loop.submit { MediaClock(eventLoop: loop, resolution: .milliseconds(2)) }.get()
        try await loop.submit {
            client.onTick = { if $0 == 5 { fiveTicks.succeed(()) } }
            started.add(client)
        }.get()
        try await fiveTicks.futureResult.get()
        try await loop.submit { started.remove(client) }.get()
        let counted = try await loop.submit { client.ticks.count }.get()
        try await Task.sleep(for: .milliseconds(20))
        let after = try await loop.submit { (client.ticks, started.ticks) }.get()
        #expect(after.0.count == counted, "no tick after the last client left")
        #expect(after.1 == counted, "the clock ran one tick per client tick")

        // A clock let go with a tick pending: the tick finds nothing and nothing runs.
        let other = Client()
        try await loop.submit {
            let dropped = MediaClock(eventLoop: loop, resolution: .milliseconds(2))
            dropped.add(other)
        }.get()
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await loop.submit { other.ticks.count }.get() == 0)
        try await group.shutdownGracefully()
    }

    /// The last client leaves (and comes back) in the loop's batch that also runs the pending
    /// tick: the loop took the tick from its timer heap before the client left, so cancelling it
    /// could not stop it. The tick must find no client and count nothing, and a client back in
    /// the same batch must be ticked by one chain of ticks, one per grid slot (with the cancel,
    /// the stale tick scheduled a second chain beside the one `add` started).
    @Test(arguments: [false, true])
    func leavingInTheBatchOfThePendingTick(comesBack: Bool) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let client = Client()
        let resolution = TimeAmount.milliseconds(2)
        let clock = try await loop.submit { MediaClock(eventLoop: loop, resolution: resolution) }.get()
        try await loop.submit {
            client.onTick = { count in
                guard count == 3 else { return }
                // Queued behind this tick; the loop is then held past the next tick's deadline,
                // so its next batch takes this task first and the due tick after it.
                loop.execute {
                    clock.remove(client)
                    if comesBack { clock.add(client) }
                }
                usleep(UInt32(3 * resolution.nanoseconds / 1000))
            }
            clock.add(client)
        }.get()
        try await Task.sleep(for: .milliseconds(60))
        let (ticks, clockTicks) = try await loop.submit { (client.ticks, clock.ticks) }.get()
        try await group.shutdownGracefully()
        #expect(clockTicks == ticks.count, "a tick without a client counts nothing")
        if comesBack {
            #expect(ticks.count > 5)
            // The grid slot each tick ran in (the last grid point at or before it).
            let slots = ticks.map { clock.tick(atOrAfter: $0 - resolution + .nanoseconds(1)) }
            #expect(zip(slots, slots.dropFirst()).allSatisfy { $0 < $1 }, "one tick per slot")
        } else {
            #expect(ticks.count == 3)
        }
    }
}
