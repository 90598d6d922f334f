/// A listening-quality estimate from transport statistics: the ITU-T G.107 E-model with the
/// G.113 Appendix I impairment values, reduced to what a bridge measures (one-way delay and
/// packet loss; default values for everything about handsets and rooms).
public enum EModel {
    /// The codec's equipment impairment `Ie` and packet-loss robustness `Bpl` (G.113 App. I).
    public struct CodecImpairment: Sendable {
        /// Impairment of the codec itself, lossless.
        public var ie: Double
        /// Robustness to random loss (with concealment).
        public var bpl: Double

        /// G.711 with packet-loss concealment (G.113 Table I.3: Ie 0, Bpl 25.1).
        public static let g711WithConcealment = CodecImpairment(ie: 0, bpl: 25.1)
        /// G.722 at 64 kbit/s on the narrowband scale (its wideband advantage is not credited;
        /// loss robustness taken as G.711's, as both conceal alike here).
        public static let g722 = CodecImpairment(ie: 0, bpl: 25.1)
    }

    /// The rating factor R with default G.107 values (R0 − Is = 93.2).
    /// - Parameters:
    ///   - oneWayDelayMilliseconds: mouth-to-ear delay `Ta` (§7.3, with echo control assumed perfect).
    ///   - lossPercent: packets lost or too late to play, in percent (`Ppl`).
    ///   - burstRatio: `BurstR`, 1 for random loss.
    ///   - codec: the codec's impairment values.
    public static func rating(
        oneWayDelayMilliseconds delay: Double, lossPercent: Double, burstRatio: Double = 1,
        codec: CodecImpairment = .g711WithConcealment
    ) -> Double {
        // G.107 §7.3, Idd for Ta > 100 ms; G.108's simplified Id = 0.024 d + 0.11 (d − 177.3) H(d − 177.3).
        let id = 0.024 * delay + (delay > 177.3 ? 0.11 * (delay - 177.3) : 0)
        let loss = max(0, lossPercent)
        // G.107 §7.4 (7-29): Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl).
        let ieEffective = codec.ie + (95 - codec.ie) * loss / (loss / max(1, burstRatio) + codec.bpl)
        return 93.2 - id - ieEffective
    }

    /// The mean opinion score (conversational quality, 1…4.5) for a rating (G.107 Annex B, B-4).
    public static func meanOpinionScore(rating r: Double) -> Double {
        if r <= 0 { return 1 }
        if r >= 100 { return 4.5 }
        return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
    }
}
