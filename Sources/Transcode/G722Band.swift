/// The adaptive state of one G.722 sub-band ADPCM coder: the quantiser scale factor (block 3)
/// and the pole-zero predictor (block 4) of ITU-T G.722 sub-band ADPCM.
///
/// Encoder and decoder each hold one `G722Band` per sub-band and drive it with the same
/// quantised difference signal, so they track identical state without side information. The
/// lower and upper bands share the algorithm; they differ in their quantisers (see
/// ``G722Encoder`` and ``G722Decoder``), their log scale increments and limits, and the
/// offset of the log-to-linear conversion, which ``updateLower(code:)`` and
/// ``updateUpper(code:)`` supply.
///
/// All values are held in `Int32` and limited to the 16-bit range exactly where the
/// recommendation's fixed-point blocks limit them, which keeps the arithmetic bit-exact with
/// the reference.
struct G722Band: Sendable {
    /// `NBL`/`NBH`: the log scale factor (block 3, LOGSCL/LOGSCH).
    private var logScale: Int32 = 0
    /// `DETL`/`DETH`: the linear quantiser scale factor (block 3, SCALEL/SCALEH).
    private(set) var scale: Int32
    /// `SL`/`SH`: the predicted signal (block 4, PREDIC).
    private(set) var estimate: Int32 = 0
    /// `SZL`/`SZH`: the zero-section (all-zero) part of the prediction (block 4, FILTEZ).
    private var zeroEstimate: Int32 = 0
    /// `RLT1`, `RLT2`: the two previous reconstructed signal samples.
    private var reconstructed1: Int32 = 0
    private var reconstructed2: Int32 = 0
    /// `PLT1`, `PLT2`: the two previous partially reconstructed samples (signs drive UPPOL).
    private var partial1: Int32 = 0
    private var partial2: Int32 = 0
    /// `AL1`, `AL2`: the second-order pole section coefficients.
    private var pole1: Int32 = 0
    private var pole2: Int32 = 0
    /// `BL1...BL6` in lanes 0...5: the sixth-order zero section coefficients.
    private var zeros = SIMD8<Int32>()
    /// `DLT1...DLT6` in lanes 0...5: the previous quantised difference signals.
    private var differences = SIMD8<Int32>()

    /// The G.722 reset state: every variable zero except the scale factor.
    /// - Parameter initialScale: `DETL` = 32 for the lower band, `DETH` = 8 for the upper.
    init(initialScale: Int32) {
        scale = initialScale
    }

    /// The lower band's reset state (`DETL` = 32).
    static var lower: G722Band { G722Band(initialScale: 32) }
    /// The upper band's reset state (`DETH` = 8).
    static var upper: G722Band { G722Band(initialScale: 8) }

    /// Adapts the lower band to a transmitted codeword.
    ///
    /// Only the four most significant bits of the 6-bit codeword take part, so that the
    /// decoder tracks the encoder even when modes 2 and 3 (G.722 §1.1) replace the low bits
    /// with data: INVQAL (block 2L), LOGSCL and SCALEL (block 3L), then block 4.
    /// - Parameter code: `IL >> 2`, the codeword truncated to 4 bits (0...15).
    @inline(__always)
    mutating func updateLower(code: Int) {
        let difference = (scale &* G722Tables.inverseQuantizer4[code]) &>> 15
        adaptScale(
            increment: G722Tables.lowerLogScaleIncrement[Int(G722Tables.lowerMagnitudeClass[code])],
            limit: G722Tables.lowerLogScaleLimit, offset: 8)
        adaptPredictor(difference: difference)
    }

    /// Adapts the upper band to a transmitted codeword: INVQAH (block 2H), LOGSCH and SCALEH
    /// (block 3H), then block 4.
    /// - Parameter code: the 2-bit upper-band codeword `IH` (0...3).
    @inline(__always)
    mutating func updateUpper(code: Int) {
        let difference = (scale &* G722Tables.inverseQuantizer2[code]) &>> 15
        adaptScale(
            increment: G722Tables.upperLogScaleIncrement[Int(G722Tables.upperMagnitudeClass[code])],
            limit: G722Tables.upperLogScaleLimit, offset: 10)
        adaptPredictor(difference: difference)
    }

    /// Block 3: LOGSCL/LOGSCH (leaky log-domain integration, `NB = NB·127/128 + W`, limited
    /// to 0...limit) and SCALEL/SCALEH (log to linear through `ILB`).
    ///
    /// `offset` (8 lower, 10 upper) sets the range of `DET`: at the limits `NB >> 11` is 9 or
    /// 11, so the conversion shifts left by at most one and `DET` stays below 2^15.
    @inline(__always)
    private mutating func adaptScale(increment: Int32, limit: Int32, offset: Int32) {
        logScale = min(max(((logScale &* 127) &>> 7) &+ increment, 0), limit)
        let mantissa = G722Tables.scaleFactorMantissa[Int((logScale &>> 6) & 31)]
        let shift = offset &- (logScale &>> 11)
        scale = (shift < 0 ? mantissa &<< -shift : mantissa &>> shift) &<< 2
    }

    /// Block 4: reconstructs the signal, adapts the predictor to the
    /// quantised difference `DLT` by sign-sign gradient steps, and computes the next estimate.
    @inline(__always)
    private mutating func adaptPredictor(difference dlt: Int32) {
        // RECONS and PARREC: reconstructed and partially reconstructed (zero-section) signal.
        let reconstructed = (estimate &+ dlt).saturatedToInt16
        let partial = (zeroEstimate &+ dlt).saturatedToInt16

        // UPPOL2: the sign agreement of PLT with PLT1 and PLT2 steps AL2, with leakage 127/128
        // and the stability limit |AL2| ≤ 0.75 (12288).
        let signMatches1 = (partial < 0) == (partial1 < 0)
        let signMatches2 = (partial < 0) == (partial2 < 0)
        let scaledPole1 = (pole1 &<< 2).saturatedToInt16
        let gradient = min(signMatches1 ? -scaledPole1 : scaledPole1, 32767)
        let newPole2 = min(
            max((signMatches2 ? 128 : -128) &+ (gradient &>> 7) &+ ((pole2 &* 32512) &>> 15), -12288),
            12288)

        // UPPOL1: step ±3/256 with leakage 255/256, limited so that the pole pair stays stable
        // (|AL1| ≤ 1 − 2^-4 − AL2).
        let stepped1 = ((signMatches1 ? 192 : -192) &+ ((pole1 &* 32640) &>> 15)).saturatedToInt16
        let pole1Limit = (15360 &- newPole2).saturatedToInt16
        let newPole1 = min(max(stepped1, -pole1Limit), pole1Limit)

        // UPZERO: each BLi steps ±1/128 (0 when DLT is 0) by the agreement of the signs of
        // DLT and DLTi, with leakage 255/256. The limit to 16 bits never engages: for any
        // 16-bit BLi, (BLi · 32640 >> 15) ± 128 stays within −32768...32767.
        let step: Int32 = dlt == 0 ? 0 : 128
        func stepped(_ lane: Int) -> Int32 {
            let agrees = (differences[lane] < 0) == (dlt < 0)
            return (agrees ? step : -step) &+ ((zeros[lane] &* 32640) &>> 15)
        }
        zeros = SIMD8(stepped(0), stepped(1), stepped(2), stepped(3), stepped(4), stepped(5), 0, 0)

        // DELAYA: age the delay lines; the new coefficients take effect now.
        differences = SIMD8(
            dlt, differences[0], differences[1], differences[2], differences[3], differences[4], 0, 0)
        reconstructed2 = reconstructed1
        reconstructed1 = reconstructed
        partial2 = partial1
        partial1 = partial
        pole2 = newPole2
        pole1 = newPole1

        // FILTEP: the pole section on the doubled reconstructed signal.
        let poleTerm1 = (pole1 &* (reconstructed1 &<< 1).saturatedToInt16) &>> 15
        let poleTerm2 = (pole2 &* (reconstructed2 &<< 1).saturatedToInt16) &>> 15
        let poleEstimate = (poleTerm1 &+ poleTerm2).saturatedToInt16

        // FILTEZ: the zero section; each product is truncated before the sum, as in the
        // reference, and only the total is limited.
        var zeroSum: Int32 = 0
        for lane in 0..<6 {
            zeroSum &+= (zeros[lane] &* (differences[lane] &<< 1).saturatedToInt16) &>> 15
        }
        zeroEstimate = zeroSum.saturatedToInt16

        // PREDIC.
        estimate = (poleEstimate &+ zeroEstimate).saturatedToInt16
    }
}

extension Int32 {
    /// The value limited to the 16-bit two's-complement range, as G.722's fixed-point blocks
    /// limit their results ("saturation" in the recommendation's arithmetic).
    @inline(__always)
    var saturatedToInt16: Int32 {
        Swift.min(Swift.max(self, -32768), 32767)
    }
}
