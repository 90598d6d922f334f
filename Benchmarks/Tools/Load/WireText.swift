import NIOCore
import NIOWebSocket

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

    /// Appends `bytes` as padded base64 (RFC 4648 §4), written straight into the buffer's
    /// memory (a `writeInteger` per character was a tenth of the generator's CPU).
    static func writeBase64(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        let length = (bytes.count + 2) / 3 * 4
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
            bytes.withUnsafeBufferPointer { input in
                alphabet.withUnsafeBufferPointer { alphabet in
                    var index = 0
                    var position = 0
                    while index + 3 <= input.count {
                        let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                        out[position] = alphabet[Int(value >> 18 & 63)]
                        out[position + 1] = alphabet[Int(value >> 12 & 63)]
                        out[position + 2] = alphabet[Int(value >> 6 & 63)]
                        out[position + 3] = alphabet[Int(value & 63)]
                        index += 3
                        position += 4
                    }
                    let rest = input.count - index
                    if rest > 0 {
                        let value = UInt32(input[index]) << 16 | (rest == 2 ? UInt32(input[index + 1]) << 8 : 0)
                        out[position] = alphabet[Int(value >> 18 & 63)]
                        out[position + 1] = alphabet[Int(value >> 12 & 63)]
                        out[position + 2] = rest == 2 ? alphabet[Int(value >> 6 & 63)] : UInt8(ascii: "=")
                        out[position + 3] = UInt8(ascii: "=")
                    }
                }
            }
            return length
        }
    }

    /// A client frame's payload unmasked (RFC 6455 §5.3) eight bytes at a time; NIO's
    /// `unmaskedData` goes byte by byte.
    static func unmasked(_ frame: WebSocketFrame) -> ByteBuffer {
        var data = frame.data
        guard let key = frame.maskKey else { return data }
        var keyBytes: UInt32 = 0
        withUnsafeMutableBytes(of: &keyBytes) { for (index, byte) in key.enumerated() { $0[index] = byte } }
        let pattern = UInt64(keyBytes) | UInt64(keyBytes) << 32
        data.withUnsafeMutableReadableBytes { bytes in
            var index = 0
            while index + 8 <= bytes.count {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                bytes.storeBytes(of: word ^ pattern, toByteOffset: index, as: UInt64.self)
                index += 8
            }
            while index < bytes.count {
                bytes[index] ^= key[index & 3]
                index += 1
            }
        }
        return data
    }
}
