/// ITU-T G.711 A-law companding (`PCMA`, RFC 3551 §4.5.14), between 16-bit linear samples and
/// 8-bit codes.
///
/// G.711 defines A-law over a 13-bit two's-complement range (±4096). The linear domain here is
/// the full 16-bit range, with the classic scaling of the Sun Microsystems `g711.c` reference:
///
/// - decoding yields the 13-bit G.711 reconstruction value times 8 (`0xD5` → 8, `0x55` → -8,
///   `0xAA` → 32256, `0x2A` → -32256);
/// - encoding reduces a sample to 13 bits with an arithmetic shift (`x >> 3`) and takes the
///   one's complement of negative values, so the quantiser is exactly symmetric about -0.5;
///   the whole 16-bit range falls inside A-law's range, so the extremes map to the outermost
///   codes (`0xAA` / `0x2A`).
///
/// Even bits of the code are inverted as transmitted (G.711 §3, "even bit inversion": XOR
/// `0x55`). This is bit-exact with CPython's `audioop.lin2alaw`/`alaw2lin` (see
/// `Tests/TranscodeTests/Fixtures/README.md`). Zero encodes to `0xD5`
/// (``AudioCodec/silenceCode``).
public enum ALaw {
    /// Encodes one 16-bit linear sample as a G.711 A-law code (ITU-T G.711 Table 1).
    ///
    /// Allocation-free bit arithmetic: the segment is derived from the position of the
    /// leading one of the 12-bit magnitude; segments 0 and 1 share the same step size.
    /// - Parameter sample: a 16-bit two's-complement linear PCM sample.
    /// - Returns: the A-law code, with even bits inverted as transmitted.
    @inlinable
    public static func encode(_ sample: Int16) -> UInt8 {
        // 16-bit -> 13-bit (floor); one's complement gives a magnitude in 0...4095.
        let linear13 = Int32(sample) &>> 3
        let isNegative = linear13 < 0
        let magnitude = UInt32(truncatingIfNeeded: isNegative ? ~linear13 : linear13)
        // Leading one at bit 5...11 selects segment 1...7; anything below 32 is segment 0.
        let leadingOne = 31 &- magnitude.leadingZeroBitCount  // -1 when magnitude == 0
        let segment = UInt32(max(leadingOne &- 4, 0))
        let mantissa = (magnitude &>> max(segment, 1)) & 0x0F
        let code = UInt8(truncatingIfNeeded: (segment &<< 4) | mantissa)
        return code ^ (isNegative ? 0x55 : 0xD5)
    }

    /// Decodes one G.711 A-law code to a 16-bit linear sample by table lookup.
    ///
    /// The value is the G.711 Table 1 decoder output (the midpoint of the quantisation
    /// interval) scaled from 13 to 16 bits, in -32256...32256.
    /// - Parameter code: an A-law code as transmitted (RFC 3551 §4.5.14).
    /// - Returns: the linear sample.
    @inlinable
    public static func decode(_ code: UInt8) -> Int16 {
        decodeTable[Int(code)]
    }

    /// Encodes a buffer of 16-bit linear samples to A-law codes (ITU-T G.711), with no
    /// allocation.
    /// - Parameters:
    ///   - samples: the linear samples to encode.
    ///   - output: receives one code per sample; `output.count` must be at least
    ///     `samples.count` (checked by a precondition). Extra elements are left untouched.
    public static func encode(
        _ samples: UnsafeBufferPointer<Int16>,
        into output: UnsafeMutableBufferPointer<UInt8>
    ) {
        precondition(output.count >= samples.count, "A-law output buffer too small")
        // One load per sample: the code depends only on `sample >> 3`, so a 8192-entry
        // table built from `encode(_:)` gives the same codes (8 KiB, in L1 cache).
        encodeTable.withUnsafeBufferPointer { table in
            for index in 0..<samples.count {
                output[index] = table[Int(UInt16(bitPattern: samples[index]) &>> 3)]
            }
        }
    }

    /// `encode(_:)` for every `sample >> 3`, indexed by the sample's bit pattern `>> 3`.
    static let encodeTable: [UInt8] = (0..<8192).map { encode(Int16(bitPattern: UInt16($0 << 3))) }

    /// Decodes a buffer of A-law codes to 16-bit linear samples (ITU-T G.711), with no
    /// allocation.
    /// - Parameters:
    ///   - codes: the A-law codes to decode.
    ///   - output: receives one sample per code; `output.count` must be at least
    ///     `codes.count` (checked by a precondition). Extra elements are left untouched.
    public static func decode(
        _ codes: UnsafeBufferPointer<UInt8>,
        into output: UnsafeMutableBufferPointer<Int16>
    ) {
        precondition(output.count >= codes.count, "A-law output buffer too small")
        decodeTable.withUnsafeBufferPointer { table in
            for index in 0..<codes.count {
                output[index] = table[Int(codes[index])]
            }
        }
    }

    /// Decoded value of every code, indexed by code (G.711 Table 1 decoder outputs × 8).
    @usableFromInline static let decodeTable: [Int16] = (0...255).map { decodeByFormula(UInt8($0)) }

    /// Computes the decoder output of `code` from the G.711 segment/step structure.
    ///
    /// After undoing the even-bit inversion, segment 0 reconstructs `2m + 1` and segment
    /// `s ≥ 1` reconstructs `(2m + 33) << (s - 1)` in the 13-bit domain, the midpoint of the
    /// quantisation interval. A set sign bit means a positive value.
    static func decodeByFormula(_ code: UInt8) -> Int16 {
        let bits = Int32(code ^ 0x55)
        let segment = (bits &>> 4) & 0x07
        let step = bits & 0x0F
        let magnitude13 =
            segment == 0 ? (step &<< 1) &+ 1 : ((step &<< 1) &+ 33) &<< (segment &- 1)
        let magnitude16 = magnitude13 &<< 3
        return Int16(bits & 0x80 != 0 ? magnitude16 : -magnitude16)
    }
}
