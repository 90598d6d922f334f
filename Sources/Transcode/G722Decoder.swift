/// An ITU-T G.722 decoder: sub-band ADPCM octets to 16 kHz 16-bit linear PCM.
///
/// Each octet becomes two output samples (see ``G722`` for the octet layout, the 16-bit
/// scaling and the RTP timestamp rule). All three modes of G.722 §1.1 are supported; RTP
/// (RFC 3551 §4.5.2) uses mode 1.
///
/// The decoder is a value carrying the ADPCM and filter state of one stream: keep one per
/// direction of a call and feed it consecutive payloads. It allocates nothing, so it may run
/// on the media path. Bit-exact with spandsp except where spandsp overflows (see
/// `Tests/TranscodeTests/Fixtures/README.md`).
///
/// ```swift
/// var decoder = G722Decoder()
/// let samples = decoder.decode(payload, into: frame)  // 160 octets (20 ms) → 320 samples
/// ```
public struct G722Decoder: Sendable {
    /// The G.722 operating modes (G.722 §1.1): how many bits of each octet's 6-bit
    /// lower-band codeword carry audio. The rest carry an auxiliary data channel, which this
    /// decoder ignores.
    public enum Mode: Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// Mode 1, 64 kbit/s: all six lower-band bits are audio (the only mode RTP uses).
        case mode1
        /// Mode 2, 56 kbit/s: five lower-band bits are audio; the least significant bit is
        /// 8 kbit/s of data.
        case mode2
        /// Mode 3, 48 kbit/s: four lower-band bits are audio; the two least significant bits
        /// are 16 kbit/s of data.
        case mode3

        /// The audio bit rate in bit/s.
        public var bitRate: Int {
            switch self {
            case .mode1: 64000
            case .mode2: 56000
            case .mode3: 48000
            }
        }

        public var description: String {
            switch self {
            case .mode1: "G.722 mode 1 (64 kbit/s)"
            case .mode2: "G.722 mode 2 (56 kbit/s)"
            case .mode3: "G.722 mode 3 (48 kbit/s)"
            }
        }
    }

    /// The mode the octets are decoded in.
    public let mode: Mode
    private var lowerBand = G722Band.lower
    private var upperBand = G722Band.upper
    private var filter = G722SynthesisFilter()

    /// Creates a decoder in the G.722 reset state.
    /// - Parameter mode: the operating mode; RTP payload type 9 is always mode 1.
    public init(mode: Mode = .mode1) {
        self.mode = mode
    }

    /// Decodes G.722 octets to 16 kHz linear samples, two per octet, with no allocation.
    /// - Parameters:
    ///   - octets: G.722 octets, upper-band codeword in the two most significant bits.
    ///   - output: receives the samples; `output.count` must be at least `2 * octets.count`
    ///     (checked by a precondition). Elements beyond that are left untouched.
    /// - Returns: the number of samples written, `2 * octets.count`.
    @discardableResult
    public mutating func decode(
        _ octets: UnsafeBufferPointer<UInt8>,
        into output: UnsafeMutableBufferPointer<Int16>
    ) -> Int {
        let samples = 2 * octets.count
        precondition(output.count >= samples, "G.722 output buffer too small: \(output.count) < \(samples)")
        for index in 0..<octets.count {
            let (first, second) = decodeUnclamped(octets[index])
            output[2 * index] = Int16(clamping: first)
            output[2 * index + 1] = Int16(clamping: second)
        }
        return samples
    }

    /// Decodes one octet to two output samples before the final limiting to 16 bits.
    ///
    /// The receive QMF can overshoot the 16-bit range on overloaded input; ``decode(_:into:)``
    /// clamps the result, as upstream spandsp, ffmpeg and WebRTC do. spandsp 0.0.6 (the
    /// fixtures' generator) truncates instead, so its output equals these values truncated to
    /// 16 bits, which the tests check sample by sample.
    /// - Parameter octet: one G.722 octet.
    /// - Returns: the two 16 kHz samples in time order.
    @inline(__always)
    mutating func decodeUnclamped(_ octet: UInt8) -> (first: Int32, second: Int32) {
        let lower = decodeLower(octet & 0x3F)
        let upper = decodeUpper(octet &>> 6)
        return filter.merge(lower: lower, upper: upper)
    }

    /// Lower sub-band ADPCM decoder (blocks 5L, 6L, then 2L to 4): INVQBL dequantises the mode's share of
    /// the codeword for the output, RECONS adds the prediction, and LIMIT keeps the result in
    /// 15 bits; the adaptation, as in the encoder, uses only the four most significant bits.
    /// - Parameter code: the 6-bit codeword `ILR`.
    /// - Returns: the reconstructed lower sub-band sample `RL`.
    @inline(__always)
    private mutating func decodeLower(_ code: UInt8) -> Int32 {
        let level =
            switch mode {
            case .mode1: G722Tables.inverseQuantizer6[Int(code)]
            case .mode2: G722Tables.inverseQuantizer5[Int(code &>> 1)]
            case .mode3: G722Tables.inverseQuantizer4[Int(code &>> 2)]
            }
        let reconstructed = lowerBand.estimate &+ ((lowerBand.scale &* level) &>> 15)
        lowerBand.updateLower(code: Int(code &>> 2))
        return min(max(reconstructed, -16384), 16383)
    }

    /// Upper sub-band ADPCM decoder (blocks 2H, 5H, 6H, then 3H and 4): INVQAH, RECONS and LIMIT; the same
    /// dequantised difference drives the adaptation.
    /// - Parameter code: the 2-bit codeword `IH`.
    /// - Returns: the reconstructed upper sub-band sample `RH`.
    @inline(__always)
    private mutating func decodeUpper(_ code: UInt8) -> Int32 {
        let difference = (upperBand.scale &* G722Tables.inverseQuantizer2[Int(code)]) &>> 15
        let reconstructed = upperBand.estimate &+ difference
        upperBand.updateUpper(code: Int(code))
        return min(max(reconstructed, -16384), 16383)
    }
}
