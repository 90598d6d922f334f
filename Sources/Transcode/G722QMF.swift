/// The 24-tap quadrature mirror filter pair of ITU-T G.722 (transmit and receive QMF).
///
/// The filter `h` is linear-phase (`h[i] == h[23 - i]`) and sums to 8192. Each direction is
/// computed in polyphase form: the even taps `h[2i]` and the odd taps `h[2i + 1]` each act on
/// one sample of every pair, so a filter keeps two 12-sample histories. A history is a
/// `SIMD16<Int32>` whose lane `i` holds the sample from `i` pairs ago (lane 0 newest, lanes
/// 12...15 always zero): fixed-size value state, no heap, and a dot product is one vector
/// multiply and sum.
///
/// Headroom: samples are at most 2^15 in magnitude and one phase's taps sum to 6482 in
/// magnitude (both phases 12964), so every sum fits in 29 bits.
enum G722QMF {
    /// `h[0], h[2], ..., h[22]` in lanes 0...11.
    static let evenTaps = SIMD16<Int32>(
        3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11,
        0, 0, 0, 0)
    /// `h[1], h[3], ..., h[23]` in lanes 0...11 (the even taps reversed, by symmetry).
    static let oddTaps = SIMD16<Int32>(
        -11, 53, -156, 362, -805, 3876, 951, -210, 32, 12, -11, 3,
        0, 0, 0, 0)

    /// `history` with every lane moved one pair older, the oldest dropped and `newest` in
    /// lane 0.
    @inline(__always)
    static func shift(_ history: SIMD16<Int32>, in newest: Int32) -> SIMD16<Int32> {
        SIMD16(
            newest, history[0], history[1], history[2], history[3], history[4], history[5],
            history[6], history[7], history[8], history[9], history[10],
            0, 0, 0, 0)
    }

    /// Σ `taps[i] · history[i]`.
    @inline(__always)
    static func dot(_ history: SIMD16<Int32>, _ taps: SIMD16<Int32>) -> Int32 {
        (history &* taps).wrappedSum()
    }
}

/// The transmit QMF: splits two 16 kHz input samples into one lower and one upper
/// sub-band sample at 8 kHz.
struct G722AnalysisFilter: Sendable {
    /// `x(j − 2i)`: the second (later) sample of each pair, for the even taps.
    private var laterSamples = SIMD16<Int32>()
    /// `x(j − 2i − 1)`: the first (earlier) sample of each pair, for the odd taps.
    private var earlierSamples = SIMD16<Int32>()

    /// Filters one pair of input samples.
    ///
    /// `xA = Σ h[2i]·x(j − 2i)`, `xB = Σ h[2i+1]·x(j − 2i − 1)`, `xL = xA + xB`,
    /// `xH = xA − xB`. The sum carries the DC gain of 8192 (2^13), and one more bit reduces
    /// 16-bit input to the 15-bit sub-band range the ADPCM coders work in (their
    /// reconstruction is limited to −16384...16383), hence the shift by 14. The result is at
    /// most 25929 in magnitude, so it needs no limiting.
    /// - Parameters:
    ///   - first: the earlier input sample `x(j − 1)`.
    ///   - second: the later input sample `x(j)`.
    /// - Returns: the lower (`xL`) and upper (`xH`) sub-band samples.
    @inline(__always)
    mutating func split(_ first: Int16, _ second: Int16) -> (lower: Int32, upper: Int32) {
        earlierSamples = G722QMF.shift(earlierSamples, in: Int32(first))
        laterSamples = G722QMF.shift(laterSamples, in: Int32(second))
        let even = G722QMF.dot(laterSamples, G722QMF.evenTaps)
        let odd = G722QMF.dot(earlierSamples, G722QMF.oddTaps)
        return ((even &+ odd) &>> 14, (even &- odd) &>> 14)
    }
}

/// The receive QMF: interpolates one lower and one upper sub-band sample at
/// 8 kHz into two output samples at 16 kHz.
struct G722SynthesisFilter: Sendable {
    /// `xd(j − i) = rL − rH`, for the even taps.
    private var differences = SIMD16<Int32>()
    /// `xs(j − i) = rL + rH`, for the odd taps.
    private var sums = SIMD16<Int32>()

    /// Filters one pair of reconstructed sub-band samples.
    ///
    /// `xout1 = 2·Σ h[2i]·xd(j − i)` and `xout2 = 2·Σ h[2i+1]·xs(j − i)`, scaled back from the
    /// filter gain (2^12 per phase) and the 15-bit sub-band range to 16 bits: a shift by 11.
    ///
    /// The results are not limited: they exceed 16 bits when both sub-bands are near their
    /// limits (the overshoot of an overloaded input), and ``G722Decoder`` clamps them.
    /// - Parameters:
    ///   - lower: the reconstructed lower sub-band sample `rL` (−16384...16383).
    ///   - upper: the reconstructed upper sub-band sample `rH` (−16384...16383).
    /// - Returns: the two output samples in time order, less than 2^17 in magnitude.
    @inline(__always)
    mutating func merge(lower: Int32, upper: Int32) -> (first: Int32, second: Int32) {
        differences = G722QMF.shift(differences, in: lower &- upper)
        sums = G722QMF.shift(sums, in: lower &+ upper)
        let first = G722QMF.dot(differences, G722QMF.evenTaps) &>> 11
        let second = G722QMF.dot(sums, G722QMF.oddTaps) &>> 11
        return (first, second)
    }
}
