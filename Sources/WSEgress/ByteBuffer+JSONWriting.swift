import NIOCore

/// Primitive JSON writers (RFC 8259) used by `StreamEventWriter`.
///
/// They write straight into the buffer: integers as decimal digits without going through
/// `String`, strings with RFC 8259 §7 escaping and a fast path that copies runs of safe bytes.
extension ByteBuffer {
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// Writes an integer as a JSON number (RFC 8259 §6): optional `-`, digits, no leading zeros.
    mutating func writeJSONInteger(_ value: Int) {
        var magnitude = value.magnitude
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        let length = digits + (value < 0 ? 1 : 0)
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
            var i = length
            repeat {
                i -= 1
                out[i] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { out[0] = UInt8(ascii: "-") }
            return length
        }
    }

    /// Writes an integer as a JSON string of decimal digits, e.g. `"1764100000000"`
    /// (spec §3.2: `media.timestamp` is a string).
    mutating func writeJSONIntegerString(_ value: Int) {
        self.writeInteger(Self.quote)
        self.writeJSONInteger(value)
        self.writeInteger(Self.quote)
    }

    /// Writes `string` as a quoted, escaped JSON string (RFC 8259 §7).
    mutating func writeJSONString(_ string: String) {
        self.writeInteger(Self.quote)
        let done: Void? = string.utf8.withContiguousStorageIfAvailable {
            self.writeJSONEscaped(UnsafeRawBufferPointer($0))
        }
        if done == nil {
            // Bridged or otherwise non-contiguous strings: rare, so a copy is acceptable.
            var copy = string
            copy.withUTF8 { self.writeJSONEscaped(UnsafeRawBufferPointer($0)) }
        }
        self.writeInteger(Self.quote)
    }

    /// Writes UTF-8 bytes as the inside of a JSON string (RFC 8259 §7).
    ///
    /// `"` and `\` are backslash-escaped; control characters U+0000…U+001F use the short forms
    /// `\b \f \n \r \t` where they exist and `\u00XX` otherwise. Every other byte, including
    /// multi-byte UTF-8, is copied unchanged (JSON text is UTF-8, RFC 8259 §8.1).
    mutating func writeJSONEscaped(_ bytes: UnsafeRawBufferPointer) {
        var runStart = 0
        for i in 0..<bytes.count {
            let byte = bytes[i]
            guard byte < 0x20 || byte == Self.quote || byte == Self.backslash else { continue }
            if runStart < i {
                self.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<i]))
            }
            runStart = i + 1
            switch byte {
            case Self.quote: self.writeStaticString("\\\"")
            case Self.backslash: self.writeStaticString("\\\\")
            case 0x08: self.writeStaticString("\\b")
            case 0x09: self.writeStaticString("\\t")
            case 0x0A: self.writeStaticString("\\n")
            case 0x0C: self.writeStaticString("\\f")
            case 0x0D: self.writeStaticString("\\r")
            default:
                self.writeStaticString("\\u00")
                self.writeInteger(Self.hexDigit(byte >> 4))
                self.writeInteger(Self.hexDigit(byte & 0x0F))
            }
        }
        if runStart < bytes.count {
            self.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart...]))
        }
    }

    /// A lowercase hexadecimal digit for a nibble.
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
    }
}
