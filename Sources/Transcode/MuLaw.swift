/// ITU-T G.711 µ-law companding (`PCMU`, RFC 3551 §4.5.14), between 16-bit linear samples and
/// 8-bit codes.
///
/// G.711 defines µ-law over a 14-bit two's-complement range (±8159). The linear domain here is
/// the full 16-bit range, with the classic scaling of the Sun Microsystems `g711.c` reference:
///
/// - decoding yields the 14-bit G.711 reconstruction value times 4 (`0x00` → -32124,
///   `0x80` → 32124, `0xFF` and `0x7F` → 0);
/// - encoding reduces a sample to 14 bits with an arithmetic shift (`x >> 2`, i.e. rounding
///   toward negative infinity), then quantises its sign and magnitude per G.711 Table 2,
///   clipping magnitudes above 8158 to the outermost code (`0x80` / `0x00`).
///
/// This is bit-exact with CPython's `audioop.lin2ulaw`/`ulaw2lin` (see
/// `Tests/TranscodeTests/Fixtures/README.md`). Consequently the encoder never produces `0x7F`
/// ("negative zero"); zero encodes to `0xFF` (``AudioCodec/silenceCode``).
public enum MuLaw {
    /// Encodes one 16-bit linear sample as a G.711 µ-law code (ITU-T G.711 Table 2).
    ///
    /// Allocation-free bit arithmetic: the segment is the position of the leading one of the
    /// biased 14-bit magnitude. Samples beyond the µ-law range clip to `0x80` / `0x00`.
    /// - Parameter sample: a 16-bit two's-complement linear PCM sample.
    /// - Returns: the µ-law code, with all bits inverted as transmitted (G.711 §4).
    @inlinable
    public static func encode(_ sample: Int16) -> UInt8 {
        // 16-bit -> 14-bit (floor), then split into sign and magnitude.
        let linear14 = Int32(sample) &>> 2
        let isNegative = linear14 < 0
        let magnitude = isNegative ? 0 &- linear14 : linear14
        // Bias by 33 so that every segment starts at a power of two; clip to the top code.
        let biased = UInt32(min(magnitude, maximumMagnitude) &+ bias)
        let segment = UInt32(26 &- biased.leadingZeroBitCount)  // leading one at bit 5...12
        let mantissa = (biased &>> (segment &+ 1)) & 0x0F
        let code = UInt8(truncatingIfNeeded: (segment &<< 4) | mantissa)
        return code ^ (isNegative ? 0x7F : 0xFF)
    }

    /// Decodes one G.711 µ-law code to a 16-bit linear sample by table lookup.
    ///
    /// The value is the G.711 Table 2 decoder output (the midpoint of the quantisation
    /// interval) scaled from 14 to 16 bits, in -32124...32124.
    /// - Parameter code: a µ-law code as transmitted (RFC 3551 §4.5.14).
    /// - Returns: the linear sample.
    @inlinable
    public static func decode(_ code: UInt8) -> Int16 {
        decodeTable[Int(code)]
    }

    /// Encodes a buffer of 16-bit linear samples to µ-law codes (ITU-T G.711), with no
    /// allocation.
    /// - Parameters:
    ///   - samples: the linear samples to encode.
    ///   - output: receives one code per sample; `output.count` must be at least
    ///     `samples.count` (checked by a precondition). Extra elements are left untouched.
    public static func encode(
        _ samples: UnsafeBufferPointer<Int16>,
        into output: UnsafeMutableBufferPointer<UInt8>
    ) {
        precondition(output.count >= samples.count, "µ-law output buffer too small")
        // One load per sample: the code depends only on `sample >> 2`, so a 16384-entry
        // table built from `encode(_:)` gives the same codes (16 KiB, in L1 cache).
        encodeTable.withUnsafeBufferPointer { table in
            for index in 0..<samples.count {
                output[index] = table[Int(UInt16(bitPattern: samples[index]) &>> 2)]
            }
        }
    }

    /// `encode(_:)` for every `sample >> 2`, indexed by the sample's bit pattern `>> 2`.
    static let encodeTable: [UInt8] = (0..<16384).map { encode(Int16(bitPattern: UInt16($0 << 2))) }

    /// Decodes a buffer of µ-law codes to 16-bit linear samples (ITU-T G.711), with no
    /// allocation.
    /// - Parameters:
    ///   - codes: the µ-law codes to decode.
    ///   - output: receives one sample per code; `output.count` must be at least
    ///     `codes.count` (checked by a precondition). Extra elements are left untouched.
    public static func decode(
        _ codes: UnsafeBufferPointer<UInt8>,
        into output: UnsafeMutableBufferPointer<Int16>
    ) {
        precondition(output.count >= codes.count, "µ-law output buffer too small")
        decodeTable.withUnsafeBufferPointer { table in
            for index in 0..<codes.count {
                output[index] = table[Int(codes[index])]
            }
        }
    }

    /// The G.711 µ-law bias in the 14-bit domain (0x84 in the 16-bit domain).
    /// (`@inlinable` on an internal declaration implies `@usableFromInline`.)
    @inlinable static var bias: Int32 { 33 }

    /// The largest 14-bit magnitude that is not clipped (G.711 Table 2: 8158 + 33 = 0x1FFF,
    /// the top of segment 7).
    @inlinable static var maximumMagnitude: Int32 { 8158 }

    /// Decoded value of every code, indexed by code (G.711 Table 2 decoder outputs × 4).
    @usableFromInline static let decodeTable: [Int16] = (0...255).map { decodeByFormula(UInt8($0)) }

    /// Computes the decoder output of `code` from the G.711 segment/step structure.
    ///
    /// After undoing the bit inversion, segment `s` and step `m` reconstruct the biased
    /// 14-bit magnitude `(2m + 33) << s`, the midpoint of the quantisation interval.
    static func decodeByFormula(_ code: UInt8) -> Int16 {
        let bits = Int32(~code)
        let segment = (bits &>> 4) & 0x07
        let step = bits & 0x0F
        let magnitude14 = (((step &<< 1) &+ bias) &<< segment) &- bias
        let magnitude16 = magnitude14 &<< 2
        return Int16(bits & 0x80 != 0 ? -magnitude16 : magnitude16)
    }
}
