public import NIOCore

/// Base64 with the standard alphabet and `=` padding (RFC 4648 §4), written for the media path.
///
/// Every `media` event carries one 20 ms frame as base64 (spec §3.2, §6) and every `playAudio`
/// carries base64 audio (spec §4.1), so both directions work straight on buffer memory: encoding
/// writes ASCII into the target `ByteBuffer`'s writable bytes, decoding writes octets into it,
/// and neither allocates beyond growing that buffer.
///
/// Decoding rules (RFC 4648 §3 leaves these to the implementation; chosen here):
/// - Only `A–Z a–z 0–9 + /` and `=` are data. Any other byte is rejected (§3.3), except that
///   CR and LF are skipped anywhere: MIME-style encoders (RFC 2045 §6.8, Python's
///   `base64.encodebytes`) wrap lines, and inside JSON those breaks arrive as `\r`/`\n` escapes.
///   Spaces and tabs are *not* skipped.
/// - Padding is optional, but all-or-nothing: a final group of 2 or 3 characters is accepted
///   without `=`; once `=` appears the group must be completed to 4 characters with `=`, and no
///   data may follow it (§3.2, §4). A lone final character can never encode an octet and is an
///   error.
/// - Non-zero pad bits in the last character (§3.5, "MAY reject") are accepted and dropped.
public enum Base64 {
    /// The 64-character standard alphabet (RFC 4648 §4, Table 1).
    private static let alphabet: StaticString =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    private static let pad = UInt8(ascii: "=")

    /// Every 12-bit value's two characters, the first in the low byte (4096 entries, 8 KiB).
    private static let pairTable: [UInt16] = (0..<4096).map { value in
        let table = alphabet.utf8Start
        return UInt16(table[value >> 6]) | UInt16(table[value & 0x3F]) << 8
    }

    /// The padded encoded length of `n` octets: `4 × ⌈n / 3⌉` (RFC 4648 §4).
    /// - Parameter n: the number of octets to encode.
    /// - Returns: the number of ASCII characters `encode` writes.
    @inlinable
    public static func encodedLength(_ n: Int) -> Int {
        (n + 2) / 3 * 4
    }

    /// The largest number of octets that `n` base64 characters can decode to (RFC 4648 §4).
    /// - Parameter n: the number of ASCII characters.
    /// - Returns: `⌊3n / 4⌋`, an upper bound for `decode`'s output.
    @inlinable
    public static func maximumDecodedLength(_ n: Int) -> Int {
        n / 4 * 3 + (n % 4) * 3 / 4
    }

    /// Encodes raw bytes as padded base64 (RFC 4648 §4) at the buffer's writer index.
    /// - Parameters:
    ///   - bytes: the octets to encode.
    ///   - buffer: the target; grows at most once, by `encodedLength(bytes.count)`.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        let length = encodedLength(bytes.count)
        guard length > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
            let table = alphabet.utf8Start
            var i = 0
            var o = 0
            // Whole 3-octet groups → 4 characters: two lookups of 12 bits, each giving two
            // characters, and one 4-byte store.
            pairTable.withUnsafeBufferPointer { pairs in
                while i + 3 <= bytes.count {
                    let group = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    let quad = UInt32(pairs[Int(group >> 12)]) | UInt32(pairs[Int(group & 0xFFF)]) << 16
                    out.storeBytes(of: quad.littleEndian, toByteOffset: o, as: UInt32.self)
                    i += 3
                    o += 4
                }
            }
            // Final partial group, padded (RFC 4648 §4, cases (2) and (3)).
            let rest = bytes.count - i
            if rest > 0 {
                let b1: UInt32 = rest == 2 ? UInt32(bytes[i + 1]) : 0
                let group = UInt32(bytes[i]) << 16 | b1 << 8
                out[o] = table[Int(group >> 18)]
                out[o + 1] = table[Int(group >> 12 & 0x3F)]
                out[o + 2] = rest == 2 ? table[Int(group >> 6 & 0x3F)] : pad
                out[o + 3] = pad
            }
            return length
        }
    }

    /// Encodes the readable bytes of `bytes` as padded base64 (RFC 4648 §4).
    /// - Parameters:
    ///   - bytes: the octets to encode; its reader index is not moved.
    ///   - buffer: the target.
    public static func encode(_ bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        bytes.withUnsafeReadableBytes { encode($0, into: &buffer) }
    }

    /// Encodes a collection of octets as padded base64 (RFC 4648 §4).
    ///
    /// Contiguous collections (`[UInt8]`, `Data`, …) take the pointer path; others are walked
    /// once with an iterator.
    /// - Parameters:
    ///   - bytes: the octets to encode.
    ///   - buffer: the target.
    public static func encode(_ bytes: some Collection<UInt8>, into buffer: inout ByteBuffer) {
        let done: Void? = bytes.withContiguousStorageIfAvailable {
            encode(UnsafeRawBufferPointer($0), into: &buffer)
        }
        guard done == nil else { return }
        let length = encodedLength(bytes.count)
        guard length > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
            let table = alphabet.utf8Start
            var iterator = bytes.makeIterator()
            var o = 0
            while let b0 = iterator.next() {
                let b1 = iterator.next()
                let b2 = b1 == nil ? nil : iterator.next()
                let group = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
                out[o] = table[Int(group >> 18)]
                out[o + 1] = table[Int(group >> 12 & 0x3F)]
                out[o + 2] = b1 == nil ? pad : table[Int(group >> 6 & 0x3F)]
                out[o + 3] = b2 == nil ? pad : table[Int(group & 0x3F)]
                o += 4
            }
            return length
        }
    }

    /// Decodes base64 text (RFC 4648 §4) and appends the octets at the buffer's writer index.
    ///
    /// See the type's documentation for the accepted forms (CR/LF skipped, padding optional).
    /// - Parameters:
    ///   - ascii: the base64 characters.
    ///   - buffer: the target. On error its writer index is left where it was.
    /// - Throws: `Base64DecodingError` with the offset of the first offending character.
    public static func decode(
        _ ascii: UnsafeRawBufferPointer,
        into buffer: inout ByteBuffer
    ) throws(Base64DecodingError) {
        let capacity = maximumDecodedLength(ascii.count)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) {
            (out: UnsafeMutableRawBufferPointer) throws(Base64DecodingError) -> Int in
            try decode(ascii, to: out)
        }
    }

    /// Decodes the readable bytes of `ascii` (RFC 4648 §4); see `decode(_:into:)`.
    /// - Parameters:
    ///   - ascii: the base64 characters; its reader index is not moved.
    ///   - buffer: the target. On error its writer index is left where it was.
    /// - Throws: `Base64DecodingError`.
    public static func decode(_ ascii: ByteBuffer, into buffer: inout ByteBuffer) throws(Base64DecodingError) {
        try ascii.withUnsafeReadableBytes { (bytes) throws(Base64DecodingError) in
            try decode(bytes, into: &buffer)
        }
    }

    /// Decodes `source` into `destination` and returns the number of octets written.
    ///
    /// `destination` may start at the same address as `source` (in-place decoding): every octet
    /// is written only after the characters it comes from have been read, and the write position
    /// never overtakes the read position (3 octets out per 4 characters in).
    /// - Parameters:
    ///   - source: base64 characters.
    ///   - destination: at least `maximumDecodedLength(source.count)` bytes.
    static func decode(
        _ source: UnsafeRawBufferPointer,
        to destination: UnsafeMutableRawBufferPointer
    ) throws(Base64DecodingError) -> Int {
        var accumulator: UInt32 = 0
        var pending = 0  // data characters in the current group
        var padding = 0  // `=` seen (only in the final group)
        var out = 0
        // Fast path for the usual payload: whole groups of four alphabet characters, one table
        // load each and no branch per character. The first group holding anything else (CR/LF,
        // `=`, an invalid byte) hands over to the general loop below, which checks everything.
        var start = 0
        sextetTable.withUnsafeBufferPointer { table in
            while start + 4 <= source.count {
                let a = table[Int(source[start])]
                let b = table[Int(source[start + 1])]
                let c = table[Int(source[start + 2])]
                let d = table[Int(source[start + 3])]
                guard (a | b | c | d) & 0x80 == 0 else { break }
                let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                destination[out] = UInt8(truncatingIfNeeded: group >> 16)
                destination[out + 1] = UInt8(truncatingIfNeeded: group >> 8)
                destination[out + 2] = UInt8(truncatingIfNeeded: group)
                out += 3
                start += 4
            }
        }
        for i in start..<source.count {
            let c = source[i]
            if c == 0x0D || c == 0x0A { continue }
            if c == pad {
                // `=` may only stand for the 3rd or 4th character of a group (RFC 4648 §4).
                guard pending >= 2, pending + padding < 4 else { throw .invalidPadding(at: i) }
                padding += 1
                continue
            }
            let value = sextet(c)
            guard value != 0xFF else { throw .invalidCharacter(at: i) }
            guard padding == 0 else { throw .invalidPadding(at: i) }
            accumulator = accumulator << 6 | UInt32(value)
            pending += 1
            if pending == 4 {
                destination[out] = UInt8(truncatingIfNeeded: accumulator >> 16)
                destination[out + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                destination[out + 2] = UInt8(truncatingIfNeeded: accumulator)
                out += 3
                pending = 0
                accumulator = 0
            }
        }
        // Padding, when present, must complete the group exactly.
        guard padding == 0 || pending + padding == 4 else { throw .invalidPadding(at: source.count) }
        switch pending {
        case 0:
            break
        case 2:  // 12 bits: one octet plus 4 pad bits
            destination[out] = UInt8(truncatingIfNeeded: accumulator >> 4)
            out += 1
        case 3:  // 18 bits: two octets plus 2 pad bits
            destination[out] = UInt8(truncatingIfNeeded: accumulator >> 10)
            destination[out + 1] = UInt8(truncatingIfNeeded: accumulator >> 2)
            out += 2
        default:  // a single character carries only 6 bits: never a whole octet
            throw .invalidLength
        }
        return out
    }

    /// `sextet(_:)` for every byte value.
    private static let sextetTable: [UInt8] = (0...255).map { sextet(UInt8($0)) }

    /// The 6-bit value of an alphabet character, or `0xFF` (RFC 4648 §4, Table 1).
    @inline(__always)
    private static func sextet(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c &- UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c &- UInt8(ascii: "a") &+ 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0") &+ 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: 0xFF
        }
    }
}
