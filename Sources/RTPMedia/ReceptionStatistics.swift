public import NIOCore

/// Receiver statistics of one RTP source (RFC 3550 §6.4.1, §A.1, §A.3, §A.8): packets
/// received, expected and lost, duplicates, and interarrival jitter.
public struct ReceptionStatistics: Sendable {
    /// The RTP clock rate, to express arrival times in timestamp units (§A.8).
    public let clockRate: Int
    private var sequence = SequenceUnwrapper(bits: 16)
    private var base: Int64?
    /// Packets received, duplicates excluded.
    public private(set) var received = 0
    /// Packets that arrived twice (a window of the last 64 sequence numbers is remembered).
    public private(set) var duplicates = 0
    /// Interarrival jitter in timestamp units, the running estimate J of §A.8.
    public private(set) var jitter: Double = 0
    private var window: UInt64 = 0
    private var highestSeen: Int64?
    private var previousTransit: Int64?

    /// Creates statistics for a source with the given clock rate.
    public init(clockRate: Int) {
        self.clockRate = clockRate
    }

    /// Packets expected from the first to the highest sequence number (§A.3).
    public var expected: Int {
        guard let base, let highest = sequence.highest else { return 0 }
        return Int(highest - base + 1)
    }

    /// The extended highest sequence number received (§6.4.1: cycles << 16 | sequence).
    public var extendedHighestSequence: UInt32 {
        UInt32(truncatingIfNeeded: sequence.highest ?? 0)
    }

    /// Packets lost: expected minus received, never negative (§A.3).
    public var lost: Int { max(0, expected - received) }

    /// Jitter in milliseconds.
    public var jitterMilliseconds: Double { jitter * 1000 / Double(clockRate) }

    /// Records a packet.
    /// - Parameters:
    ///   - sequenceNumber: its RTP sequence number.
    ///   - timestamp: its RTP timestamp.
    ///   - arrival: when it arrived.
    /// - Returns: `false` for a duplicate, which the caller should drop.
    public mutating func record(sequenceNumber: UInt16, timestamp: UInt32, arrival: NIODeadline) -> Bool {
        let index = sequence.unwrap(UInt32(sequenceNumber))
        if base == nil { base = index }
        // A 64-packet window below the highest sequence number: bit i = (highest - i) seen.
        if let highest = highestSeen, index <= highest {
            let age = highest - index
            if age < 64 {
                let bit = UInt64(1) << UInt64(age)
                if window & bit != 0 {
                    duplicates += 1
                    return false
                }
                window |= bit
            }
        } else {
            let shift = highestSeen.map { index - $0 } ?? 64
            window = shift >= 64 ? 1 : (window << UInt64(shift)) | 1
            highestSeen = index
        }
        received += 1
        // §A.8: D = (Rj - Ri) - (Sj - Si), J += (|D| - J) / 16, all in timestamp units.
        // Exact integer scaling: nanoseconds × rate exceeds a Double's 53 bits after a day of
        // uptime (and UInt64 after weeks), so whole seconds and the remainder scale separately.
        let nanoseconds = arrival.uptimeNanoseconds
        let rate = UInt64(clockRate)
        let arrivalUnits = Int64(
            nanoseconds / 1_000_000_000 * rate + nanoseconds % 1_000_000_000 * rate / 1_000_000_000)
        let transit = arrivalUnits - Int64(timestamp)
        if let previousTransit {
            var difference = transit - previousTransit
            // Timestamps wrap at 2^32; the transit difference must not jump by it.
            if difference > Int64(UInt32.max / 2) { difference -= Int64(UInt32.max) + 1 }
            if difference < -Int64(UInt32.max / 2) { difference += Int64(UInt32.max) + 1 }
            jitter += (Double(abs(difference)) - jitter) / 16
        }
        previousTransit = transit
        return true
    }
}
