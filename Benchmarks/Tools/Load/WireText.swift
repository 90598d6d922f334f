import NIOCore

/// Byte-level helpers for the agent's hot path: the load generator must stay cheaper than the
/// bridge it drives (at 200 calls a `String`/Foundation agent took 44 % of the generator's CPU
/// and made its own pacer late), so it reads the bridge's compact JSON and writes `playAudio`
/// without `String` or `Data` round trips.
enum WireText {
    /// The value bytes of `"name":"…"` in `bytes` (the bridge writes these fields compact and
    /// without escapes), as a range of offsets.
    static func field(_ key: [UInt8], in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        let count = bytes.count
        guard key.count > 0, count > key.count else { return nil }
        var index = 0
        let last = count - key.count
        search: while index <= last {
            guard bytes[index] == key[0] else {
                index += 1
                continue
            }
            for offset in 1..<key.count where bytes[index + offset] != key[offset] {
                index += 1
                continue search
            }
            let start = index + key.count
            var end = start
            while end < count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
            return end < count ? start..<end : nil
        }
        return nil
    }

    /// `"name":"` as bytes, the search key for `field`.
    static func key(_ name: String) -> [UInt8] { Array("\"\(name)\":\"".utf8) }

    /// Whether `bytes[range]` spells `word`.
    static func equals(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ word: [UInt8]) -> Bool {
        guard range.count == word.count else { return false }
        for (offset, byte) in word.enumerated() where bytes[range.lowerBound + offset] != byte { return false }
        return true
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// Decodes whole 4-character groups of base64 from `bytes[range]` (padding ends it).
    static func decodeBase64(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(range.count / 4 * 3)
        var index = range.lowerBound
        while index + 4 <= range.upperBound {
            let a = values[Int(bytes[index])], b = values[Int(bytes[index + 1])]
            let c = values[Int(bytes[index + 2])], d = values[Int(bytes[index + 3])]
            guard a != 0xFF, b != 0xFF else { break }
            output.append(a << 2 | b >> 4)
            guard c != 0xFF else { break }
            output.append(b << 4 | c >> 2)
            guard d != 0xFF else { break }
            output.append(c << 6 | d)
            index += 4
        }
        return output
    }

    /// Appends `bytes` as padded base64.
    static func writeBase64(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            buffer.writeMultipleIntegers(
                alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], alphabet[Int(value >> 6 & 63)],
                alphabet[Int(value & 63)])
            index += 3
        }
        let rest = bytes.count - index
        guard rest > 0 else { return }
        let value = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
        buffer.writeInteger(alphabet[Int(value >> 18 & 63)])
        buffer.writeInteger(alphabet[Int(value >> 12 & 63)])
        buffer.writeInteger(rest == 2 ? alphabet[Int(value >> 6 & 63)] : UInt8(ascii: "="))
        buffer.writeInteger(UInt8(ascii: "="))
    }
}
