/// The anti-imaging / anti-aliasing low-pass of a ``Resampler``: a Kaiser-windowed sinc,
/// designed in `Double` at the common ("high") rate of the two sample rates.
///
/// A rational L/M resampler conceptually upsamples by L (zero stuffing), low-passes at the
/// high rate and keeps every M-th sample. The low-pass must pass the band both rates can carry
/// and reject everything above the lower rate's Nyquist frequency, which is where images
/// (upsampling) and aliases (downsampling) live. Both directions of a rate pair share one
/// prototype, so the round trip has the same response in each direction.
///
/// Band edges (lower rate's Nyquist = stopband edge):
///
/// | pair        | high rate | passband   | stopband    |
/// |-------------|-----------|------------|-------------|
/// | 8 ⇄ 16 kHz  | 16 kHz    | 0–3400 Hz  | ≥ 4000 Hz   |
/// | 8 ⇄ 24 kHz  | 24 kHz    | 0–3400 Hz  | ≥ 4000 Hz   |
/// | 16 ⇄ 24 kHz | 48 kHz    | 0–7000 Hz  | ≥ 8000 Hz   |
///
/// 3400 Hz is the top of the telephone band (ITU-T G.712), 7000 Hz that of wideband speech
/// (ITU-T G.722). A windowed sinc has (about) the same ripple δ in both bands, so the
/// stopband target decides: 70 dB (δ ≈ 3·10⁻⁴) leaves margin over the required 60 dB for the
/// Q15 quantisation of the taps (measured ≥ 66 dB after it) and gives a passband ripple of
/// ±0.004 dB, far inside the required ±0.1 dB. The length and window shape follow Kaiser's
/// formulas (Oppenheim & Schafer, *Discrete-Time Signal Processing*, 3rd ed., §7.6.1):
///
/// - β = 0.1102 · (A − 8.7) = 6.755 for A = 70 dB;
/// - N − 1 ≥ (A − 7.95) / (2.285 · Δω), with Δω the transition width in radians per sample
///   at the high rate; N is then rounded up so that (N − 1) / 2, the group delay at the high
///   rate, is a multiple of L · M and so a whole number of input *and* output samples.
///
/// That makes 117 taps for 8 ⇄ 16 kHz, 175 for 8 ⇄ 24 kHz and 217 for 16 ⇄ 24 kHz; the
/// cutoff (−6 dB point) sits mid-transition, at 3700 Hz and 7500 Hz.
struct ResamplerFilter: Sendable, Hashable {
    /// The common rate the prototype is designed at, in Hz (the least common multiple).
    let highRate: Int
    /// The top of the band passed within ±0.1 dB, in Hz.
    let passbandEdge: Int
    /// The start of the band attenuated by at least 60 dB, in Hz.
    let stopbandEdge: Int
    /// The Kaiser design target for the stopband attenuation, in dB.
    let attenuation: Double
    /// The number of taps of the prototype at the high rate (odd: linear phase, integer delay).
    let tapCount: Int

    /// The design attenuation A; see the type's documentation for why 70 dB.
    static let designAttenuation = 70.0

    /// Designs the low-pass for a rate pair.
    /// - Parameters:
    ///   - lowerRate: the lower of the two rates, in Hz.
    ///   - higherRate: the higher of the two rates, in Hz.
    ///   - passbandEdge: the top of the passband, in Hz.
    ///   - stopbandEdge: the start of the stopband, in Hz (≤ `lowerRate / 2`).
    init(lowerRate: Int, higherRate: Int, passbandEdge: Int, stopbandEdge: Int) {
        precondition(passbandEdge < stopbandEdge && 2 * stopbandEdge <= lowerRate, "bad band edges")
        let highRate = lowerRate / Self.gcd(lowerRate, higherRate) * higherRate
        self.highRate = highRate
        self.passbandEdge = passbandEdge
        self.stopbandEdge = stopbandEdge
        self.attenuation = Self.designAttenuation
        let transition = 2 * Double.pi * Double(stopbandEdge - passbandEdge) / Double(highRate)
        let minimumOrder = Self.ceiling((attenuation - 7.95) / (2.285 * transition))
        // Delay (N - 1) / 2 must be a whole number of samples at both the lower and the higher
        // rate, i.e. a multiple of L * M = highRate^2 / (lowerRate * higherRate).
        let delayQuantum = (highRate / lowerRate) * (highRate / higherRate)
        let halfOrder = (minimumOrder + 1) / 2
        let halfLength = (halfOrder + delayQuantum - 1) / delayQuantum * delayQuantum
        self.tapCount = 2 * halfLength + 1
    }

    /// The Kaiser window shape parameter for ``attenuation`` (valid for A > 50 dB).
    var beta: Double { 0.1102 * (attenuation - 8.7) }

    /// The −6 dB frequency of the ideal low-pass that the window shapes, in Hz.
    var cutoff: Double { Double(passbandEdge + stopbandEdge) / 2 }

    /// The group delay of the prototype in samples at the high rate.
    var groupDelay: Int { (tapCount - 1) / 2 }

    /// The prototype impulse response at the high rate: `cutoff / Nyquist · sinc · Kaiser
    /// window`, whose DC gain is 1 to within the ripple (the exact per-branch normalisation
    /// happens in `PolyphaseBank`).
    func prototype() -> [Double] {
        let center = Double(groupDelay)
        let normalizedCutoff = 2 * cutoff / Double(highRate)  // 1 = Nyquist
        let windowScale = 1 / Self.besselI0(beta)
        return (0..<tapCount).map { index in
            let offset = Double(index) - center
            let sinc = offset == 0 ? 1 : Self.sinPi(normalizedCutoff * offset) / (Double.pi * normalizedCutoff * offset)
            let ratio = offset / center
            // I₀(β·√(1 − r²)) through its series in (x/2)², which needs no square root.
            let window = Self.besselI0(halfArgumentSquared: beta * beta * (1 - ratio * ratio) / 4) * windowScale
            return normalizedCutoff * sinc * window
        }
    }

    /// The greatest common divisor of two positive integers (Euclid).
    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// The smallest integer ≥ `value`, for non-negative values (no libm `ceil`: on baseline
    /// x86-64 `rounded(.up)` is a library call, and Transcode links nothing but the stdlib).
    static func ceiling(_ value: Double) -> Int {
        let truncated = Int(value)
        return Double(truncated) < value ? truncated + 1 : truncated
    }

    /// sin(πx) in `Double` without libm (Transcode imports no platform library).
    ///
    /// Reduces x to [−0.5, 0.5] by periodicity (exactly: x − 2k is representable) and the
    /// symmetry sin(π(1 − x)) = sin(πx), then sums the Taylor series of sin(πx), whose terms
    /// fall below 10⁻¹⁸ by the 12th at |πx| ≤ π/2. Odd by construction: sinPi(−x) = −sinPi(x).
    static func sinPi(_ x: Double) -> Double {
        var reduced = x - 2 * Double(Int(x / 2))  // in (-2, 2)
        if reduced > 1 { reduced -= 2 } else if reduced < -1 { reduced += 2 }
        if reduced > 0.5 { reduced = 1 - reduced } else if reduced < -0.5 { reduced = -1 - reduced }
        let angle = Double.pi * reduced
        let square = angle * angle
        var term = angle
        var sum = angle
        for k in 1...12 {
            term *= -square / Double((2 * k) * (2 * k + 1))
            sum += term
        }
        return sum
    }

    /// The modified Bessel function of the first kind and order zero, I₀(x).
    static func besselI0(_ x: Double) -> Double {
        besselI0(halfArgumentSquared: x * x / 4)
    }

    /// I₀ by its power series Σ ((x/2)²)ᵏ / (k!)², given (x/2)²; it converges quickly for
    /// the β ≤ 10 used by Kaiser windows.
    static func besselI0(halfArgumentSquared: Double) -> Double {
        var term = 1.0
        var sum = 1.0
        var k = 1.0
        while term > sum * 1e-17 {
            term *= halfArgumentSquared / (k * k)
            sum += term
            k += 1
        }
        return sum
    }
}
