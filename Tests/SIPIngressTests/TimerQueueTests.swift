import NIOCore
import TestSupport
import Testing

@testable import SIPIngress

/// The SIP core's deadline heap: earliest first, ties in start order, nothing before its time,
/// and compaction that keeps exactly the current entries in order.
struct TimerQueueTests {
    private let zero = NIODeadline.uptimeNanoseconds(1_000_000)

    @Test func firesInDeadlineThenStartOrder() {
        var queue = TimerQueue<String>()
        _ = queue.push("H", at: zero + .seconds(32))
        _ = queue.push("G1", at: zero + .milliseconds(500))
        _ = queue.push("G2", at: zero + .milliseconds(500))
        _ = queue.push("A", at: zero + .milliseconds(100))
        #expect(queue.earliest == zero + .milliseconds(100))
        #expect(queue.popDue(at: zero + .milliseconds(99)) == nil, "nothing before its deadline")
        var fired: [String] = []
        while let entry = queue.popDue(at: zero + .seconds(1)) { fired.append(entry.payload) }
        #expect(fired == ["A", "G1", "G2"])
        #expect(queue.count == 1 && queue.earliest == zero + .seconds(32))
    }

    /// Against a sorted reference: 5 000 random deadlines (many equal) come out in order.
    @Test func randomDeadlinesComeOutSorted() {
        var generator = SplitMix64(seed: 7)
        var queue = TimerQueue<Int>()
        var reference: [(deadline: NIODeadline, sequence: UInt64, payload: Int)] = []
        for payload in 0..<5000 {
            let deadline = zero + .milliseconds(Int64(generator.next() % 300))
            let sequence = queue.push(payload, at: deadline)
            reference.append((deadline, sequence, payload))
        }
        reference.sort { $0.deadline != $1.deadline ? $0.deadline < $1.deadline : $0.sequence < $1.sequence }
        var popped: [Int] = []
        while let entry = queue.popDue(at: zero + .seconds(1)) { popped.append(entry.payload) }
        #expect(popped == reference.map(\.payload))
    }

    /// Compaction drops what the owner forgot and keeps the rest in firing order.
    @Test func compactionKeepsTheCurrentInOrder() {
        var generator = SplitMix64(seed: 11)
        var queue = TimerQueue<Int>()
        var current: [Int: UInt64] = [:]
        for payload in 0..<3000 {
            let sequence = queue.push(payload, at: zero + .milliseconds(Int64(generator.next() % 1000)))
            if payload % 3 == 0 { current[payload] = sequence }
        }
        #expect(queue.needsCompaction)
        queue.compact { current[$0.payload] == $0.sequence }
        #expect(queue.count == 1000 && !queue.needsCompaction)
        var last = zero
        var seen = 0
        while let entry = queue.popDue(at: zero + .seconds(2)) {
            #expect(entry.deadline >= last && entry.payload % 3 == 0)
            last = entry.deadline
            seen += 1
        }
        #expect(seen == 1000)
    }
}
