/// The constant tables of ITU-T G.722 sub-band ADPCM, as used by the recommendation's
/// fixed-point block descriptions.
///
/// Names follow the recommendation's variables (`Q6`, `QM6`, `WL`, `ILB`, ...) in the doc
/// comments so that each use can be checked against the block that defines it. Every value
/// fits in 16 bits; they are stored as `Int32` because all G.722 arithmetic is done in 32 bits
/// and limited back to 16 where the recommendation says so.
enum G722Tables {
    // MARK: Lower sub-band quantiser (block 1L, QUANTL)

    /// `Q6`: decision levels of the 6-bit lower-band quantiser for the magnitude index
    /// `mil` = 1...29, scaled by `DETL` (`level = Q6[mil] · DETL >> 12`). Index 0 is unused:
    /// a magnitude at or above every level falls in interval 30.
    static let lowerDecisionLevels: [Int32] = [
        0, 35, 72, 110, 150, 190, 233, 276,
        323, 370, 422, 473, 530, 587, 650, 714,
        786, 858, 940, 1023, 1121, 1219, 1339, 1458,
        1612, 1765, 1980, 2195, 2557, 2919,
    ]

    /// `ILN`: the 6-bit codeword `IL` for a negative difference in interval `mil` (1...30).
    static let lowerNegativeCodes: [UInt8] = [
        0, 63, 62, 31, 30, 29, 28, 27,
        26, 25, 24, 23, 22, 21, 20, 19,
        18, 17, 16, 15, 14, 13, 12, 11,
        10, 9, 8, 7, 6, 5, 4,
    ]

    /// `ILP`: the 6-bit codeword `IL` for a non-negative difference in interval `mil` (1...30).
    static let lowerPositiveCodes: [UInt8] = [
        0, 61, 60, 59, 58, 57, 56, 55,
        54, 53, 52, 51, 50, 49, 48, 47,
        46, 45, 44, 43, 42, 41, 40, 39,
        38, 37, 36, 35, 34, 33, 32,
    ]

    // MARK: Lower sub-band inverse quantisers (blocks 2L INVQAL and 5L INVQBL)

    /// `QM4`: 4-bit inverse quantiser outputs, indexed by the codeword's four most significant
    /// bits. Used by the adaptation loop in every mode (INVQAL) and for the output in mode 3.
    static let inverseQuantizer4: [Int32] = [
        0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
        20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
    ]

    /// `QM5`: 5-bit inverse quantiser outputs for the decoder in mode 2 (56 kbit/s).
    static let inverseQuantizer5: [Int32] = [
        -280, -280, -23352, -17560, -14120, -11664, -9752, -8184,
        -6864, -5712, -4696, -3784, -2960, -2208, -1520, -880,
        23352, 17560, 14120, 11664, 9752, 8184, 6864, 5712,
        4696, 3784, 2960, 2208, 1520, 880, 280, -280,
    ]

    /// `QM6`: 6-bit inverse quantiser outputs for the decoder in mode 1 (64 kbit/s).
    static let inverseQuantizer6: [Int32] = [
        -136, -136, -136, -136, -24808, -21904, -19008, -16704,
        -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
        -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
        -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
        24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
        10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
        4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
        1688, 1360, 1040, 728, 432, 136, -432, -136,
    ]

    // MARK: Lower sub-band scale factor adaptation (block 3L, LOGSCL)

    /// `RIL4` → `IL4`: the magnitude class (0...7) of a 4-bit codeword; the sign is dropped
    /// because the scale factor adapts to magnitude only.
    static let lowerMagnitudeClass: [Int32] = [
        0, 7, 6, 5, 4, 3, 2, 1,
        7, 6, 5, 4, 3, 2, 1, 0,
    ]

    /// `WL`: the log scale factor increment for each magnitude class (leaky integration in
    /// LOGSCL; small codes shrink the step size, large ones grow it).
    static let lowerLogScaleIncrement: [Int32] = [-60, -30, 58, 172, 334, 538, 1198, 3042]

    /// The largest lower-band log scale factor `NBL` (LOGSCL limit).
    static let lowerLogScaleLimit: Int32 = 18432

    // MARK: Upper sub-band (blocks 1H QUANTH, 2H INVQAH, 3H LOGSCH)

    /// `Q2`: the single decision level of the 2-bit upper-band quantiser, scaled by `DETH`.
    static let upperDecisionLevel: Int32 = 564

    /// `QM2`: 2-bit inverse quantiser outputs, indexed by the codeword `IH`.
    static let inverseQuantizer2: [Int32] = [-7408, -1616, 7408, 1616]

    /// `RIH2` → `IH2`: the magnitude class (1 inner, 2 outer) of an upper-band codeword.
    static let upperMagnitudeClass: [Int32] = [2, 1, 2, 1]

    /// `WH`: the upper-band log scale factor increment per magnitude class (index 0 unused).
    static let upperLogScaleIncrement: [Int32] = [0, -214, 798]

    /// The largest upper-band log scale factor `NBH` (LOGSCH limit).
    static let upperLogScaleLimit: Int32 = 22528

    // MARK: Both sub-bands (blocks 3L SCALEL and 3H SCALEH)

    /// `ILB`: 2^(i/32) in Q11 for i = 0...31, the mantissa of the log-to-linear conversion of
    /// the scale factor (`DET = ILB[(NB >> 6) & 31] >> (shift − (NB >> 11)) << 2`).
    static let scaleFactorMantissa: [Int32] = [
        2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383,
        2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
        2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371,
        3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
    ]
}
