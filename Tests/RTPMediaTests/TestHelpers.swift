import NIOCore

/// A seeded generator (SplitMix64), so that the randomised tests are reproducible: a failure
/// names its seed and replays identically.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension ByteBuffer {
    /// The readable bytes as an array.
    var bytes: [UInt8] { Array(readableBytesView) }

    /// The address of the first readable byte, to tell a zero-copy slice from a copy.
    var readableBaseAddress: UInt {
        withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
    }
}

/// `count` bytes of a recognisable, non-repeating-per-frame pattern starting at `start`
/// (a prime modulus, so that a frame shifted by any multiple of 160 never matches).
func pattern(count: Int, start: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8((start + $0) % 251) }
}
