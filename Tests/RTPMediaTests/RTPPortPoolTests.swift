import Synchronization
import Testing
import TestSupport

@testable import RTPMedia

/// The RTP/RTCP port pairs of `rtp.port_range` (RFC 3550 §11).
@Suite struct RTPPortPoolTests {
    /// Takes ports until the pool is exhausted.
    private func drain(_ pool: RTPPortPool) -> [Int] {
        var ports: [Int] = []
        while let port = pool.acquire() {
            ports.append(port)
            if ports.count > pool.capacity { break }
        }
        return ports
    }

    @Test func evenPortsWithTheirOddPartnerInRange() {
        let pool = RTPPortPool(range: 20000...20009)
        #expect(pool.capacity == 5)
        #expect(pool.lowerBound == 20000)
        #expect(drain(pool) == [20000, 20002, 20004, 20006, 20008])
    }

    @Test(arguments: [
        (20001...20010, [20002, 20004, 20006, 20008]),  // odd start skipped, 20010 has no partner
        (20000...20001, [20000]),
        (20001...20002, []),
        (20000...20000, []),
    ])
    func rangeEdges(range: ClosedRange<Int>, expected: [Int]) {
        let pool = RTPPortPool(range: range)
        #expect(pool.capacity == expected.count)
        let ports = drain(pool)
        #expect(ports == expected)
        #expect(ports.allSatisfy { $0 % 2 == 0 && $0 + 1 <= range.upperBound })
    }

    @Test func acquireRotatesPastAReleasedPort() {
        let pool = RTPPortPool(range: 20000...20009)
        #expect(pool.acquire() == 20000)
        pool.release(20000)
        #expect(pool.acquire() == 20002, "a just-released port is not handed out again at once")
        #expect(pool.acquire() == 20004)
        #expect(pool.acquire() == 20006)
        #expect(pool.acquire() == 20008)
        #expect(pool.acquire() == 20000, "wraps round to the oldest free port")
        #expect(pool.acquire() == nil)
    }

    @Test func acquireSkipsPortsInUseWhileRotating() {
        let pool = RTPPortPool(range: 20000...20009)
        let all = drain(pool)
        pool.release(20006)
        pool.release(20002)
        #expect(pool.acquire() == 20002, "the cursor wrapped; 20002 is the first free one")
        #expect(pool.acquire() == 20006)
        #expect(pool.acquire() == nil)
        #expect(all.count == 5)
    }

    @Test func skippingPassesOverPorts() {
        let pool = RTPPortPool(range: 20000...20009)
        #expect(pool.acquire(skipping: [20000, 20002]) == 20004)
        #expect(pool.acquire(skipping: [20006]) == 20008)
        #expect(pool.acquire(skipping: [20000, 20002, 20006]) == nil)
        #expect(pool.inUseCount == 2, "a refused acquire takes nothing")
        #expect(pool.acquire() == 20000)
    }

    @Test func exhaustionAndReleaseAndCounts() {
        let pool = RTPPortPool(range: 30000...30005)
        #expect(pool.inUseCount == 0)
        let ports = drain(pool)
        #expect(ports.count == 3)
        #expect(pool.inUseCount == 3)
        #expect(pool.acquire() == nil)
        pool.release(30002)
        #expect(pool.inUseCount == 2)
        #expect(pool.acquire() == 30002)
        #expect(pool.inUseCount == 3)
        pool.release(30002)
        pool.release(30002)
        pool.release(31000)
        #expect(pool.inUseCount == 2, "releasing a free or foreign port changes nothing")
        #expect(pool.capacity == 3)
    }

    /// Several tasks acquire and release at once; a lock-protected ledger of held ports
    /// catches any port handed to two holders.
    @Test func concurrentAcquireReleaseNeverDoublesAPort() async {
        let pool = RTPPortPool(range: 40000...40019)  // 10 pairs for 8 workers holding up to 3
        let held = HeldPorts()
        let doubles = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var rng = SplitMix64(seed: UInt64(worker))
                    var doubles = 0
                    for _ in 0..<2_000 {
                        var mine: [Int] = []
                        for _ in 0...Int.random(in: 0..<3, using: &rng) {
                            guard let port = pool.acquire() else { break }
                            if !held.insert(port) { doubles += 1 }
                            mine.append(port)
                        }
                        for port in mine {
                            held.remove(port)
                            pool.release(port)
                        }
                        await Task.yield()
                    }
                    return doubles
                }
            }
            return await group.reduce(0, +)
        }
        #expect(doubles == 0)
        #expect(pool.inUseCount == 0)
        #expect(held.isEmpty)
    }
}

/// The ports currently held by the workers, behind a lock.
private final class HeldPorts: Sendable {
    private let ports = Mutex<Set<Int>>([])

    /// Records `port` as held; `false` if someone already holds it.
    func insert(_ port: Int) -> Bool { ports.withLock { $0.insert(port).inserted } }

    func remove(_ port: Int) { _ = ports.withLock { $0.remove(port) } }

    var isEmpty: Bool { ports.withLock { $0.isEmpty } }
}
