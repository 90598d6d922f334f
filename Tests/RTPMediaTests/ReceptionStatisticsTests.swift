import NIOCore
import Testing

@testable import RTPMedia

/// RFC 3550 receiver statistics: §A.3 expected/lost, duplicate detection, §A.8 jitter.
@Suite struct ReceptionStatisticsTests {
    static let start = NIODeadline.uptimeNanoseconds(5_000_000_000)

    /// `start + milliseconds`.
    private func at(milliseconds: Int64, from origin: NIODeadline = ReceptionStatisticsTests.start) -> NIODeadline {
        origin + .milliseconds(milliseconds)
    }

    /// Records `sequenceNumbers` 20 ms apart (timestamps following the sequence number), and
    /// returns what `record` said for each.
    @discardableResult
    private func record(_ sequenceNumbers: [UInt16], into statistics: inout ReceptionStatistics) -> [Bool] {
        sequenceNumbers.enumerated().map { index, sequence in
            statistics.record(
                sequenceNumber: sequence, timestamp: UInt32(sequence) &* 160,
                arrival: at(milliseconds: Int64(index) * 20))
        }
    }

    @Test func nothingRecordedIsAllZero() {
        let statistics = ReceptionStatistics(clockRate: 8000)
        #expect(statistics.expected == 0)
        #expect(statistics.received == 0)
        #expect(statistics.lost == 0)
        #expect(statistics.duplicates == 0)
        #expect(statistics.jitter == 0)
    }

    @Test func inOrderStreamLosesNothing() {
        var statistics = ReceptionStatistics(clockRate: 8000)
        let accepted = record(Array(1000..<1050), into: &statistics)
        #expect(accepted.allSatisfy { $0 })
        #expect(statistics.expected == 50)
        #expect(statistics.received == 50)
        #expect(statistics.lost == 0)
    }

    /// §A.3: expected = highest − first + 1; lost = expected − received.
    @Test func gapsAreCountedAsLost() {
        var statistics = ReceptionStatistics(clockRate: 8000)
        record([100, 101, 102, 104, 105, 108, 109], into: &statistics)
        #expect(statistics.expected == 10)
        #expect(statistics.received == 7)
        #expect(statistics.lost == 3)
    }

    /// A reordered packet is lost only until it arrives.
    @Test func reorderIsNotLoss() {
        var statistics = ReceptionStatistics(clockRate: 8000)
        record([100, 101, 103], into: &statistics)
        #expect(statistics.expected == 4)
        #expect(statistics.lost == 1)
        record([102, 104], into: &statistics)
        #expect(statistics.expected == 5)
        #expect(statistics.received == 5)
        #expect(statistics.lost == 0)
        #expect(statistics.duplicates == 0)
    }

    @Test func duplicatesWithinTheWindowAreRejected() {
        var statistics = ReceptionStatistics(clockRate: 8000)
        // The highest itself, one just below it, and one 63 below (the window's edge).
        #expect(record([500, 500], into: &statistics) == [true, false])
        #expect(record([501, 500], into: &statistics) == [true, false])
        record(Array(502...563), into: &statistics)
        let again = statistics.record(sequenceNumber: 500, timestamp: 0, arrival: Self.start)
        #expect(again == false)
        #expect(statistics.duplicates == 3)
        #expect(statistics.received == 64)
        #expect(statistics.expected == 64)
        #expect(statistics.lost == 0)
    }

    /// The window slides with the highest sequence number; a late original inside it is
    /// accepted once, then its copy is a duplicate.
    @Test func windowSlidesAcrossJumps() {
        var statistics = ReceptionStatistics(clockRate: 8000)
        record([10, 40], into: &statistics)  // 11…39 missing
        #expect(statistics.lost == 29)
        #expect(record([25, 25, 10, 40], into: &statistics) == [true, false, false, false])
        #expect(statistics.lost == 28)
        #expect(statistics.duplicates == 3)
        // A jump wider than the window forgets everything below it.
        record([200], into: &statistics)
        #expect(record([199, 199], into: &statistics) == [true, false])
    }

    @Test func sequenceWrapIsNotLossOrDuplicate() {
        var statistics = ReceptionStatistics(clockRate: 8000)
        let accepted = record([65_533, 65_534, 65_535, 0, 1, 2], into: &statistics)
        #expect(accepted.allSatisfy { $0 })
        #expect(statistics.expected == 6)
        #expect(statistics.lost == 0)
        // Loss and a duplicate across the wrap.
        #expect(record([4, 65_535, 3], into: &statistics) == [true, false, true])
        #expect(statistics.expected == 8)
        #expect(statistics.received == 8)
        #expect(statistics.lost == 0)
        #expect(statistics.duplicates == 1)
    }

    /// More duplicates than expected never reports negative loss (§A.3 allows it; we clamp).
    @Test func lostNeverNegative() {
        var statistics = ReceptionStatistics(clockRate: 8000)
        // 7 arrives before the first-recorded 8: received 3, expected 2 (8…9).
        record([8, 7, 9], into: &statistics)
        #expect(statistics.received == 3)
        #expect(statistics.expected == 2)
        #expect(statistics.lost == 0)
    }

    /// §A.8 against a hand-computed vector: packets sent every 20 ms (160 units) arrive with
    /// offsets from their nominal time; J is recomputed here from D(i−1, i) = (Rᵢ − Rᵢ₋₁) −
    /// (Sᵢ − Sᵢ₋₁) and J += (|D| − J) / 16.
    @Test(arguments: [
        // A small uptime, timestamps far from the wrap.
        (NIODeadline.uptimeNanoseconds(5_000_000_000), UInt32(1_000)),
        // 30 days of uptime (8000·ns no longer exact in a Double) and timestamps that wrap.
        (NIODeadline.uptimeNanoseconds(2_592_000_000_000_123), UInt32.max - 800),
        // Days of uptime, on exact unit boundaries (where rounding toward zero bites).
        (NIODeadline.uptimeNanoseconds(2_592_000_000_000_000), UInt32.max - 800),
        (NIODeadline.uptimeNanoseconds(86_400_000_000_000 * 3 + 125_000), UInt32(7)),
        // 73 days: 8000 × nanoseconds rounds below whole units in a Double here.
        (NIODeadline.uptimeNanoseconds(6_338_035_000_000_000), UInt32(1) << 31),
    ])
    func jitterMatchesTheRFCFormula(origin: NIODeadline, firstTimestamp: UInt32) {
        let offsets: [Int64] = [0, 5, -3, 10, 0, 2, -7, 1, 1, 30, 0, -2]  // ms
        var statistics = ReceptionStatistics(clockRate: 8000)
        var expected = 0.0
        var previous: (arrival: Double, timestamp: Double)?
        for (index, offset) in offsets.enumerated() {
            let arrivalMilliseconds = Int64(index) * 20 + offset
            let timestamp = firstTimestamp &+ UInt32(index * 160)
            let accepted = statistics.record(
                sequenceNumber: UInt16(index), timestamp: timestamp,
                arrival: at(milliseconds: arrivalMilliseconds, from: origin))
            #expect(accepted)
            // Arrival and send times in timestamp units (8 per millisecond), relative to the first.
            let arrival = Double(arrivalMilliseconds) * 8
            let sent = Double(index * 160)
            if let previous {
                let difference = (arrival - previous.arrival) - (sent - previous.timestamp)
                expected += (abs(difference) - expected) / 16
            }
            previous = (arrival, sent)
            #expect(abs(statistics.jitter - expected) < 1e-9, "after packet \(index)")
        }
        #expect(expected > 3, "the vector must exercise the estimate")
        #expect(abs(statistics.jitterMilliseconds - expected / 8) < 1e-9)
    }

    @Test func firstTwoJitterStepsByHand() {
        var statistics = ReceptionStatistics(clockRate: 8000)
        _ = statistics.record(sequenceNumber: 1, timestamp: 0, arrival: at(milliseconds: 0))
        #expect(statistics.jitter == 0)
        _ = statistics.record(sequenceNumber: 2, timestamp: 160, arrival: at(milliseconds: 25))
        #expect(statistics.jitter == 40.0 / 16)  // D = 200 − 160
        _ = statistics.record(sequenceNumber: 3, timestamp: 320, arrival: at(milliseconds: 37))
        #expect(statistics.jitter == 2.5 + (64 - 2.5) / 16)  // D = 96 − 160
        #expect(abs(statistics.jitterMilliseconds - (2.5 + 61.5 / 16) / 8) < 1e-12)
    }

    /// A perfectly paced stream has no jitter, whatever the clock rate.
    @Test(arguments: [8000, 16000, 48000])
    func steadyStreamHasZeroJitter(clockRate: Int) {
        var statistics = ReceptionStatistics(clockRate: clockRate)
        let frameUnits = UInt32(clockRate / 50)
        for index in 0..<100 {
            _ = statistics.record(
                sequenceNumber: UInt16(index), timestamp: 7 &+ UInt32(index) * frameUnits,
                arrival: at(milliseconds: Int64(index) * 20))
        }
        #expect(statistics.jitter == 0)
        #expect(statistics.jitterMilliseconds == 0)
    }

    /// Duplicates do not feed the jitter estimate.
    @Test func duplicatesDoNotChangeJitter() {
        var statistics = ReceptionStatistics(clockRate: 8000)
        _ = statistics.record(sequenceNumber: 1, timestamp: 0, arrival: at(milliseconds: 0))
        _ = statistics.record(sequenceNumber: 2, timestamp: 160, arrival: at(milliseconds: 20))
        let duplicate = statistics.record(sequenceNumber: 2, timestamp: 160, arrival: at(milliseconds: 500))
        #expect(!duplicate)
        #expect(statistics.jitter == 0)
        _ = statistics.record(sequenceNumber: 3, timestamp: 320, arrival: at(milliseconds: 40))
        #expect(statistics.jitter == 0)
    }
}
