import Foundation

/// Measurements on decoded audio for the wideband and resampling tests, where bytes change
/// (the audio is transcoded) and the check is by correlation or by fitting a tone.
enum SignalAnalysis {
    /// 16-bit samples from L16 bytes in the given order.
    static func samples(l16 bytes: [UInt8], bigEndian: Bool) -> [Int16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { index in
            let (high, low) = bigEndian ? (bytes[index], bytes[index + 1]) : (bytes[index + 1], bytes[index])
            return Int16(bitPattern: UInt16(high) << 8 | UInt16(low))
        }
    }

    /// L16 little-endian bytes of `samples`.
    static func littleEndianBytes(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { sample in
            let bits = UInt16(bitPattern: sample)
            return [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8)]
        }
    }

    /// A sine of `frequency` Hz and amplitude `amplitude` at `rate`, `count` samples long.
    static func sine(frequency: Double, amplitude: Double, rate: Int, count: Int) -> [Int16] {
        (0..<count).map { Int16(amplitude * sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
    }

    /// Index of the first sample whose magnitude exceeds `threshold`.
    static func onset(_ samples: [Int16], threshold: Int16 = 500) -> Int? {
        samples.firstIndex { abs(Int32($0)) > Int32(threshold) }
    }

    /// Least-squares fit of a sine of `frequency` to `samples`: its amplitude, and the share of
    /// the signal's power it explains (1 = a pure tone; 0.999 = the rest is 30 dB down).
    static func tone(_ samples: ArraySlice<Int16>, frequency: Double, rate: Int) -> (amplitude: Double, purity: Double) {
        var sine = 0.0, cosine = 0.0, power = 0.0
        for (offset, sample) in samples.enumerated() {
            let phase = 2 * Double.pi * frequency * Double(offset) / Double(rate)
            let value = Double(sample)
            sine += value * sin(phase)
            cosine += value * cos(phase)
            power += value * value
        }
        let count = Double(samples.count)
        let amplitude = 2 * (sine * sine + cosine * cosine).squareRoot() / count
        let tonePower = amplitude * amplitude / 2 * count
        return (amplitude, power > 0 ? tonePower / power : 0)
    }

    /// The normalised cross-correlation of `signal` against `reference` at the best lag in
    /// `lags` (signal[lag + i] against reference[i]), over `reference`'s whole length.
    static func bestCorrelation(_ signal: [Int16], _ reference: [Int16], lags: ClosedRange<Int>) -> (lag: Int, r: Double) {
        var best = (lag: lags.lowerBound, r: -1.0)
        for lag in lags where lag >= 0 && lag + reference.count <= signal.count {
            var product = 0.0, signalPower = 0.0, referencePower = 0.0
            for index in reference.indices {
                let a = Double(signal[lag + index]), b = Double(reference[index])
                product += a * b
                signalPower += a * a
                referencePower += b * b
            }
            let r = product / (signalPower * referencePower).squareRoot()
            if r > best.r { best = (lag, r) }
        }
        return best
    }
}
