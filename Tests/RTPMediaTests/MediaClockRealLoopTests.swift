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
}
