/// Extends 16-bit RTP sequence numbers (or, with `bits: 32`, timestamps) to a monotonic 64-bit
/// count across wrap-arounds (RFC 3550 §A.1: a packet is taken as the nearest value to the
/// last one, so wrap-around and reordering near it are both handled).
public struct SequenceUnwrapper: Sendable {
    private let modulus: Int64
    private var last: Int64?

    /// Creates an unwrapper.
    /// - Parameter bits: 16 for sequence numbers, 32 for RTP timestamps.
    public init(bits: Int = 16) {
        precondition(bits == 16 || bits == 32, "RTP counters are 16 or 32 bits")
        modulus = Int64(1) << bits
    }

    /// The unwrapped value of `value`, nearest to the previous one.
    public mutating func unwrap(_ value: UInt32) -> Int64 {
        let raw = Int64(value) & (modulus - 1)
        guard let last else {
            self.last = raw
            return raw
        }
        var delta = raw - (last & (modulus - 1))
        if delta > modulus / 2 { delta -= modulus }
        if delta < -modulus / 2 { delta += modulus }
        let result = last + delta
        if result > last { self.last = result }
        return result
    }

    /// The highest value unwrapped so far.
    public var highest: Int64? { last }
}
