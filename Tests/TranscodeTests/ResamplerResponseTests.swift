import Foundation
import Testing

@testable import Transcode

/// Frequency response of ``Resampler`` measured with sine tones, after the filter's transient.
///
/// Band edges under test: every direction touching 8 kHz passes 0–3400 Hz within ±0.1 dB and
/// attenuates ≥ 4000 Hz by ≥ 60 dB; 16 ⇄ 24 kHz passes 0–7000 Hz and attenuates ≥ 8000 Hz
/// (the lower rate's Nyquist frequency) by ≥ 60 dB. The design reaches ±0.004 dB and ≥ 66 dB,
/// so these bounds hold with margin; a wrong tap, phase or normalisation breaks them.
@Suite struct ResamplerResponseTests {
    /// Peak amplitude of the test tones (−6 dBFS): loud enough that rounding noise (−101 dB
    /// relative) is far below the −60 dB bounds.
    static let amplitude = 16000.0

    @Test(arguments: ResamplerDirection.all)
    func passbandIsFlatWithinATenthOfADecibel(_ direction: ResamplerDirection) throws {
        for frequency in direction.passbandTones {
            let output = try ResamplerSignal.steadyState(of: frequency, through: direction, amplitude: Self.amplitude)
            let fit = ResamplerSignal.fitTone(output, frequency: frequency, rate: direction.to)
            let gain = ResamplerSignal.decibels(fit.amplitude / Self.amplitude)
            #expect(abs(gain) <= 0.1, "\(direction): \(frequency) Hz gain \(gain) dB")
        }
    }

    /// Downsampling: a tone above the output's Nyquist frequency may only leave an alias
    /// ≥ 60 dB below it (16→8 and 24→8 kHz from 4000 Hz, 24→16 kHz from 8000 Hz, up to just
    /// below the input's Nyquist frequency). Everything left in the output is alias, so its RMS
    /// measures it.
    @Test(arguments: ResamplerDirection.all.filter { $0.to < $0.from })
    func downsamplingAttenuatesAliasesBySixtyDecibels(_ direction: ResamplerDirection) throws {
        for frequency in direction.aliasTones {
            let output = try ResamplerSignal.steadyState(of: frequency, through: direction, amplitude: Self.amplitude)
            let level = ResamplerSignal.decibels(ResamplerSignal.rms(output) / (Self.amplitude / 2.squareRoot()))
            #expect(level <= -60, "\(direction): \(frequency) Hz leaves \(level) dB")
        }
    }

    /// Upsampling: apart from the tone itself, the output may only hold images ≥ 60 dB down.
    /// Input tones cover the whole input band, including 3400–4000 Hz (resp. 7000–8000 Hz)
    /// whose images fall just above the stopband edge. The residual after a least-squares fit
    /// of the tone contains every image at once.
    @Test(arguments: ResamplerDirection.all.filter { $0.to > $0.from })
    func upsamplingAttenuatesImagesBySixtyDecibels(_ direction: ResamplerDirection) throws {
        for frequency in direction.imageTones {
            let output = try ResamplerSignal.steadyState(of: frequency, through: direction, amplitude: Self.amplitude)
            let fit = ResamplerSignal.fitTone(output, frequency: frequency, rate: direction.to)
            let level = ResamplerSignal.decibels(fit.residualRMS / (Self.amplitude / 2.squareRoot()))
            #expect(level <= -60, "\(direction): \(frequency) Hz leaves images at \(level) dB")
        }
    }

    /// The classic case by name: 1 kHz into 8→16 kHz must not create 7 kHz (nor, at 24 kHz
    /// output, 7 and 9 kHz); 1 kHz into 16→24 kHz folds its 15 kHz image to 9 kHz.
    @Test(arguments: [
        (ResamplerDirection(from: 8000, to: 16000), [7000.0]),
        (ResamplerDirection(from: 8000, to: 24000), [7000.0, 9000.0]),
        (ResamplerDirection(from: 16000, to: 24000), [9000.0]),
    ])
    func oneKilohertzLeavesNoNamedImage(_ direction: ResamplerDirection, images: [Double]) throws {
        let output = try ResamplerSignal.steadyState(of: 1000, through: direction, amplitude: Self.amplitude)
        let fit = ResamplerSignal.fitTones(output, frequencies: [1000] + images, rate: direction.to)
        #expect(abs(ResamplerSignal.decibels(fit.amplitudes[0] / Self.amplitude)) <= 0.1)
        for (image, level) in zip(images, fit.amplitudes.dropFirst()) {
            #expect(ResamplerSignal.decibels(level / Self.amplitude) <= -60, "\(direction): \(image) Hz image")
        }
    }

    /// The measurement itself can fail: without the filter (sample repetition, a zero-order
    /// hold with response |cos(πf / 16000)|), the 7 kHz image of 1 kHz in 8→16 kHz is only
    /// 20·log₁₀ cos(7π/16) = −14.2 dB, and the fit must find exactly that.
    @Test func measurementSeesTheImageOfAZeroOrderHold() {
        let input = ResamplerSignal.tone(1000, rate: 8000, count: 800, amplitude: Self.amplitude)
        let held = input.flatMap { [$0, $0] }
        let fit = ResamplerSignal.fitTones(held[...], frequencies: [1000, 7000], rate: 16000)
        #expect(abs(ResamplerSignal.decibels(fit.amplitudes[0] / Self.amplitude) - 20 * log10(cos(Double.pi / 16))) < 0.01)
        #expect(abs(ResamplerSignal.decibels(fit.amplitudes[1] / Self.amplitude) - 20 * log10(cos(7 * Double.pi / 16))) < 0.01)
    }
}

/// A conversion under test, with its band edges.
struct ResamplerDirection: Sendable, CustomTestStringConvertible {
    let from: Int
    let to: Int

    static let all = [(8000, 16000), (16000, 8000), (8000, 24000), (24000, 8000), (16000, 24000), (24000, 16000)]
        .map { ResamplerDirection(from: $0.0, to: $0.1) }

    /// Whether 8 kHz is one side (telephone band edges) or not (16 ⇄ 24 kHz, wideband edges).
    var isNarrowband: Bool { min(from, to) == 8000 }
    var passbandEdge: Double { isNarrowband ? 3400 : 7000 }
    var stopbandEdge: Double { isNarrowband ? 4000 : 8000 }
    /// 100 Hz steps from 100 Hz to the passband edge (300 Hz steps for the wider band).
    var passbandTones: [Double] {
        Array(stride(from: 100, to: passbandEdge, by: isNarrowband ? 100 : 300)) + [passbandEdge]
    }
    /// Input tones above the output's Nyquist frequency: 50 Hz steps over the first 600 Hz,
    /// where the largest stopband ripples sit, then 200 Hz steps to just below the input's
    /// Nyquist frequency.
    var aliasTones: [Double] {
        Array(stride(from: stopbandEdge, to: stopbandEdge + 600, by: 50))
            + Array(stride(from: stopbandEdge + 600, to: Double(from) / 2 - 50, by: 200))
    }
    /// Input tones across the whole input band: 200 Hz steps up to the passband edge, then
    /// 50 Hz steps through the transition band, whose images land just above the stopband edge.
    var imageTones: [Double] {
        Array(stride(from: 100, to: passbandEdge, by: 200)) + Array(stride(from: passbandEdge, to: Double(from) / 2 - 40, by: 50))
    }
    var testDescription: String { "\(from)→\(to) Hz" }
}

/// Signal generation and measurement for the resampler tests.
enum ResamplerSignal {
    /// `amplitude · sin(2πft + 0.3)` rounded to samples (the phase offset avoids starting on a
    /// zero crossing, where a sampled tone at exactly half the rate would vanish).
    static func tone(_ frequency: Double, rate: Int, count: Int, amplitude: Double) -> [Int16] {
        (0..<count).map { index in
            Int16((amplitude * sin(2 * .pi * frequency * Double(index) / Double(rate) + 0.3)).rounded())
        }
    }

    /// Resamples `input` in one call.
    static func resample(_ input: [Int16], _ direction: ResamplerDirection) throws -> [Int16] {
        var resampler = try Resampler(from: direction.from, to: direction.to)
        var output: [Int16] = []
        input.withUnsafeBufferPointer { _ = resampler.process($0, appendingTo: &output) }
        return output
    }

    /// The output for a 60 ms tone after the filter has filled: the first 2 · delay + 8
    /// outputs (the whole window of taps, plus margin) are dropped.
    static func steadyState(
        of frequency: Double, through direction: ResamplerDirection, amplitude: Double
    ) throws -> ArraySlice<Int16> {
        let delay = try Resampler(from: direction.from, to: direction.to).delay
        let transient = 2 * delay + 8
        let count = direction.from * 60 / 1000 + transient * direction.from / direction.to + 1
        let output = try resample(tone(frequency, rate: direction.from, count: count, amplitude: amplitude), direction)
        return output[transient...]
    }

    /// Least-squares fit of `a·cos ωn + b·sin ωn` (exact for any window length, unlike a DFT bin).
    /// - Returns: the fitted amplitude √(a² + b²) and the RMS of what the fit leaves.
    static func fitTone(
        _ samples: ArraySlice<Int16>, frequency: Double, rate: Int
    ) -> (amplitude: Double, residualRMS: Double) {
        let fit = fitTones(samples, frequencies: [frequency], rate: rate)
        return (fit.amplitudes[0], fit.residualRMS)
    }

    /// Joint least-squares fit of a cosine and a sine at each frequency. Fitting a weak image
    /// together with the strong tone keeps the tone's finite-window leakage (≈ −60 dB for 60 ms
    /// at 1 vs 9 kHz) out of the image's estimate.
    /// - Returns: the amplitude per frequency and the RMS of what the fit leaves.
    static func fitTones(
        _ samples: ArraySlice<Int16>, frequencies: [Double], rate: Int
    ) -> (amplitudes: [Double], residualRMS: Double) {
        let basisCount = 2 * frequencies.count
        func basis(_ index: Int) -> [Double] {
            frequencies.flatMap { frequency -> [Double] in
                let phase = 2 * Double.pi * frequency / Double(rate) * Double(index)
                return [cos(phase), sin(phase)]
            }
        }
        // Normal equations G·w = r, solved by Gaussian elimination with partial pivoting.
        var gram = [[Double]](repeating: [Double](repeating: 0, count: basisCount + 1), count: basisCount)
        for (index, sample) in samples.enumerated() {
            let row = basis(index)
            for i in 0..<basisCount {
                for j in 0..<basisCount { gram[i][j] += row[i] * row[j] }
                gram[i][basisCount] += row[i] * Double(sample)
            }
        }
        for column in 0..<basisCount {
            let pivot = (column..<basisCount).max { abs(gram[$0][column]) < abs(gram[$1][column]) }!
            gram.swapAt(column, pivot)
            for row in (column + 1)..<basisCount {
                let factor = gram[row][column] / gram[column][column]
                for k in column...basisCount { gram[row][k] -= factor * gram[column][k] }
            }
        }
        var weights = [Double](repeating: 0, count: basisCount)
        for row in (0..<basisCount).reversed() {
            let known = ((row + 1)..<basisCount).reduce(0.0) { $0 + gram[row][$1] * weights[$1] }
            weights[row] = (gram[row][basisCount] - known) / gram[row][row]
        }
        var residual = 0.0
        for (index, sample) in samples.enumerated() {
            let model = zip(basis(index), weights).reduce(0.0) { $0 + $1.0 * $1.1 }
            residual += (Double(sample) - model) * (Double(sample) - model)
        }
        let amplitudes = frequencies.indices.map { (weights[2 * $0] * weights[2 * $0] + weights[2 * $0 + 1] * weights[2 * $0 + 1]).squareRoot() }
        return (amplitudes, (residual / Double(samples.count)).squareRoot())
    }

    static func rms(_ samples: ArraySlice<Int16>) -> Double {
        (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }

    static func decibels(_ ratio: Double) -> Double { 20 * log10(ratio) }
}
