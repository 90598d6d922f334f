import Glibc

/// String scanning and unescaping (RFC 8259 §7) for `JSONScanner`.
///
/// `scanString()` validates everything up front: escapes, surrogate pairing and UTF-8
/// (RFC 8259 §8.1, RFC 3629 §4). The unescaping functions can therefore assume valid input
/// and never fail; the unescaped form is never longer than the raw bytes (`\uXXXX` → at most 3
/// bytes, a 12-byte surrogate pair → 4, every other escape 2 → 1), so `rawCount` bounds it.
extension JSONScanner {
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// Scans a string starting at its opening quote and returns its raw range.
    mutating func scanString() throws(StreamProtocolError) -> JSONString {
        guard byte(at: index) == Self.quote else { throw .malformedJSON(at: index, .unexpectedByte) }
        let start = index + 1
        index = start
        var hasEscapes = false
        while true {
            // Eight bytes at a time while they are plain ASCII (long base64 payloads).
            while index + 8 <= bytes.count, Self.isPlainASCII(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
            }
            guard let byte = byte(at: index) else { throw .malformedJSON(at: index, .unexpectedEnd) }
            switch byte {
            case Self.quote:
                defer { index += 1 }
                return JSONString(start: start, end: index, hasEscapes: hasEscapes)
            case Self.backslash:
                hasEscapes = true
                try scanEscape()
            case 0x00..<0x20:
                // RFC 8259 §7: control characters must be escaped.
                throw .malformedJSON(at: index, .controlCharacter)
            case 0x20..<0x80:
                index += 1
            default:
                try scanUTF8Sequence()
            }
        }
    }

    /// Whether all eight bytes of `word` are printable ASCII other than `"` and `\\`: no byte
    /// ≥ 0x80, none < 0x20 (RFC 8259 §7 control characters), no quote, no backslash. The
    /// zero-byte tests are the classic SWAR ones; they may report a match that is not there
    /// (a borrow), never miss one, so the byte loop decides whenever this says no.
    @inline(__always)
    static func isPlainASCII(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let quotes = (quote &- ones) & ~quote & highs
        let backslashes = (backslash &- ones) & ~backslash & highs
        return (word & highs) | control | quotes | backslashes == 0
    }

    /// Validates one escape sequence at a backslash (RFC 8259 §7).
    ///
    /// `\uXXXX` in the surrogate range must form a high/low pair; a lone surrogate has no UTF-8
    /// form (RFC 3629 §3) and is rejected.
    private mutating func scanEscape() throws(StreamProtocolError) {
        let escapeStart = index
        index += 1
        guard let kind = byte(at: index) else { throw .malformedJSON(at: index, .unexpectedEnd) }
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
            UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 1
        case UInt8(ascii: "u"):
            let unit = try scanHex4(at: index + 1)
            index += 5
            if (0xDC00...0xDFFF).contains(unit) { throw .malformedJSON(at: escapeStart, .invalidEscape) }
            guard (0xD800...0xDBFF).contains(unit) else { return }
            // A high surrogate must be followed by `\u` and a low surrogate.
            guard let b0 = byte(at: index), let b1 = byte(at: index + 1) else {
                throw .malformedJSON(at: bytes.count, .unexpectedEnd)
            }
            guard b0 == Self.backslash, b1 == UInt8(ascii: "u") else {
                throw .malformedJSON(at: escapeStart, .invalidEscape)
            }
            let low = try scanHex4(at: index + 2)
            guard (0xDC00...0xDFFF).contains(low) else { throw .malformedJSON(at: escapeStart, .invalidEscape) }
            index += 6
        default:
            throw .malformedJSON(at: escapeStart, .invalidEscape)
        }
    }

    /// Reads four hex digits at `position` without moving `index`.
    private func scanHex4(at position: Int) throws(StreamProtocolError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw .malformedJSON(at: bytes.count, .unexpectedEnd) }
        var value: UInt32 = 0
        for i in position..<position + 4 {
            guard let digit = Self.hexValue(bytes[i]) else { throw .malformedJSON(at: i, .invalidEscape) }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence at `index` (RFC 3629 §4 well-formed ranges:
    /// no overlongs, no surrogates, nothing above U+10FFFF).
    private mutating func scanUTF8Sequence() throws(StreamProtocolError) {
        let lead = bytes[index]
        let length: Int
        let second: ClosedRange<UInt8>
        switch lead {
        case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: throw .malformedJSON(at: index, .invalidUTF8)
        }
        guard index + length <= bytes.count else { throw .malformedJSON(at: bytes.count, .unexpectedEnd) }
        guard second.contains(bytes[index + 1]) else { throw .malformedJSON(at: index + 1, .invalidUTF8) }
        for i in index + 2..<index + length where !(0x80...0xBF).contains(bytes[i]) {
            throw .malformedJSON(at: i, .invalidUTF8)
        }
        index += length
    }

    // MARK: - Materializing

    /// The string's value as a Swift `String`.
    func decodeString(_ string: JSONString) -> String {
        guard string.hasEscapes else {
            return String(decoding: rawBytes(of: string), as: UTF8.self)
        }
        return String(unsafeUninitializedCapacity: string.rawCount) {
            unescape(string, into: UnsafeMutableRawBufferPointer($0))
        }
    }

    /// Whether the string's value equals `literal`, without allocating.
    func matches(_ string: JSONString, _ literal: StaticString) -> Bool {
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard string.hasEscapes else { return Self.sameBytes(rawBytes(of: string), expected) }
        return withUnsafeTemporaryAllocation(byteCount: string.rawCount, alignment: 1) { scratch in
            let count = unescape(string, into: scratch)
            return Self.sameBytes(UnsafeRawBufferPointer(rebasing: scratch[..<count]), expected)
        }
    }

    /// Whether the raw bytes of `string` spell `text`, without allocating (a native string's
    /// UTF-8 is contiguous).
    func rawBytes(of string: JSONString, spell text: String) -> Bool {
        var text = text
        return text.withUTF8 { Self.sameBytes(rawBytes(of: string), UnsafeRawBufferPointer($0)) }
    }

    /// Byte equality with `memcmp`: the generic `elementsEqual` walks both sides through
    /// iterators, a byte at a time (1 % of the bridge's CPU at 200 calls, on every frame's keys
    /// and `streamId`).
    static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return memcmp(x, y, a.count) == 0
    }

    /// The raw bytes between the quotes.
    func rawBytes(of string: JSONString) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[string.start..<string.end])
    }

    /// Writes the unescaped UTF-8 value into `destination` (at least `rawCount` bytes long) and
    /// returns its length. The string must have come from `scanString()`.
    func unescape(_ string: JSONString, into destination: UnsafeMutableRawBufferPointer) -> Int {
        var out = 0
        var runStart = string.start
        var i = string.start
        func flushRun(upTo end: Int) {
            let count = end - runStart
            guard count > 0 else { return }
            UnsafeMutableRawBufferPointer(rebasing: destination[out..<out + count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[runStart..<end]))
            out += count
        }
        while i < string.end {
            guard bytes[i] == Self.backslash else {
                i += 1
                continue
            }
            flushRun(upTo: i)
            let kind = bytes[i + 1]
            i += 2
            switch kind {
            case UInt8(ascii: "u"):
                var scalar = hex4(at: i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    let low = hex4(at: i + 2)  // skip the `\u` of the validated pair
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out += Self.writeUTF8(scalar, into: destination, at: out)
            case UInt8(ascii: "b"): out += Self.put(0x08, into: destination, at: out)
            case UInt8(ascii: "f"): out += Self.put(0x0C, into: destination, at: out)
            case UInt8(ascii: "n"): out += Self.put(0x0A, into: destination, at: out)
            case UInt8(ascii: "r"): out += Self.put(0x0D, into: destination, at: out)
            case UInt8(ascii: "t"): out += Self.put(0x09, into: destination, at: out)
            default: out += Self.put(kind, into: destination, at: out)  // `"`, `\`, `/`
            }
            runStart = i
        }
        flushRun(upTo: string.end)
        return out
    }

    // MARK: - Byte helpers

    private func hex4(at position: Int) -> UInt32 {
        var value: UInt32 = 0
        for i in position..<position + 4 { value = value << 4 | UInt32(Self.hexValue(bytes[i]) ?? 0) }
        return value
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func put(_ byte: UInt8, into destination: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        destination[offset] = byte
        return 1
    }

    /// Encodes a Unicode scalar as UTF-8 (RFC 3629 §3).
    private static func writeUTF8(
        _ scalar: UInt32,
        into destination: UnsafeMutableRawBufferPointer,
        at offset: Int
    ) -> Int {
        switch scalar {
        case 0..<0x80:
            destination[offset] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            destination[offset] = UInt8(0xC0 | scalar >> 6)
            destination[offset + 1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            destination[offset] = UInt8(0xE0 | scalar >> 12)
            destination[offset + 1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            destination[offset + 2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            destination[offset] = UInt8(0xF0 | scalar >> 18)
            destination[offset + 1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            destination[offset + 2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            destination[offset + 3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }
}
