import Foundation
import NIOCore

/// A seeded generator (SplitMix64) so that random tests are reproducible.
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

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &self) }
    }
}

extension ByteBuffer {
    /// The readable bytes as an array.
    var bytes: [UInt8] { Array(readableBytesView) }
    /// The readable bytes as UTF-8 text.
    var text: String { String(buffer: self) }
}

/// A buffer holding `text` as UTF-8.
func buffer(_ text: String) -> ByteBuffer {
    ByteBuffer(string: text)
}

/// A buffer holding `bytes`.
func buffer(_ bytes: [UInt8]) -> ByteBuffer {
    ByteBuffer(bytes: bytes)
}

/// Parses JSON text with Foundation, as an independent check of what we write.
func foundationObject(_ buffer: ByteBuffer) throws -> [String: Any]? {
    try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]
}

/// Whether a Foundation-parsed value is a JSON integer (not a string, bool or fraction).
func isJSONInteger(_ value: Any?, equalTo expected: Int) -> Bool {
    guard let value, !(value is String), let number = value as? NSNumber else { return false }
    return number.intValue == expected && number.doubleValue == Double(expected)
}
