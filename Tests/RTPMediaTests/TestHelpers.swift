import NIOCore
import TestSupport

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
