import Foundation
import Testing

@testable import Transcode

/// ``Resampler`` as a streaming value: rates, counts, state across calls, DC, saturation, and
/// agreement with a direct-form reference (STYLE.md rule 7: output matches within a stated
/// tolerance). The frequency response is in `ResamplerResponseTests`.
@Suite struct ResamplerTests {
    // MARK: Rates, delay, counts

    @Test(arguments: ResamplerDirection.all)
    func everySupportedDirectionConstructs(_ direction: ResamplerDirection) throws {
        let resampler = try Resampler(from: direction.from, to: direction.to)
        #expect(resampler.inputRate == direction.from)
        #expect(resampler.outputRate == direction.to)
        // 3.625 ms with 8 kHz on one side, 2.25 ms for 16 ⇄ 24 kHz, in whole input samples too.
        let expected = [8000: 3.625e-3, 16000: 2.25e-3][min(direction.from, direction.to)]!
        #expect(Double(resampler.delay) / Double(direction.to) == expected)
        #expect(resampler.delay * direction.from % direction.to == 0)
    }

    @Test(arguments: [(8000, 8000), (16000, 16000), (8000, 44100), (48000, 8000), (0, 8000), (-8000, 16000)])
    func unsupportedPairsThrowATypedError(from: Int, to: Int) {
        #expect(throws: TranscodeError.unsupportedSampleRates(from: from, to: to)) {
            _ = try Resampler(from: from, to: to)
        }
        let description = TranscodeError.unsupportedSampleRates(from: from, to: to).description
        #expect(description.contains("\(from) Hz") && description.contains("\(to) Hz"))
        #expect(TranscodeError.unsupportedSampleRates(from: from, to: to) != .unsupportedSampleRates(from: 1, to: 2))
    }

    /// Every 20 ms frame gives exactly 20 ms of output: 160 → 320 for 8→16 kHz, 480 → 160 for
    /// 24→8 kHz, and so on, from the first frame on.
    @Test(arguments: ResamplerDirection.all)
    func twentyMillisecondFramesGiveTwentyMillisecondFrames(_ direction: ResamplerDirection) throws {
        var resampler = try Resampler(from: direction.from, to: direction.to)
        let frame = [Int16](repeating: 1000, count: direction.from / 50)
        #expect(Resampler.outputCount(forInput: frame.count, from: direction.from, to: direction.to) == direction.to / 50)
        for _ in 0..<25 {
            #expect(resampler.outputCount(forInput: frame.count) == direction.to / 50)
            var output: [Int16] = []
            let written = frame.withUnsafeBufferPointer { resampler.process($0, appendingTo: &output) }
            #expect(written == direction.to / 50)
            #expect(output.count == direction.to / 50)
        }
    }

    /// With arbitrary splits each call writes what `outputCount(forInput:)` announced, never
    /// more than the static bound, and the running total is ⌈inputs · to / from⌉.
    @Test(arguments: ResamplerDirection.all)
    func oddSplitsWriteTheAnnouncedCounts(_ direction: ResamplerDirection) throws {
        var resampler = try Resampler(from: direction.from, to: direction.to)
        var random = ResamplerTestRandom(seed: 7)
        var (consumed, produced) = (0, 0)
        for _ in 0..<200 {
            let chunk = [Int16](repeating: -5, count: Int(random.next() % 40))
            let announced = resampler.outputCount(forInput: chunk.count)
            #expect(announced <= Resampler.outputCount(forInput: chunk.count, from: direction.from, to: direction.to))
            var output = [Int16](repeating: 0x5A5A, count: announced + 2)
            let written = chunk.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { resampler.process(input, into: $0) }
            }
            #expect(written == announced)
            #expect(output[written...].allSatisfy { $0 == 0x5A5A }, "wrote past the reported count")
            consumed += chunk.count
            produced += written
            #expect(produced == (consumed * direction.to + direction.from - 1) / direction.from)
        }
    }

    // MARK: State across calls

    /// 20 ms frames, random chunks (from 0 samples to more than one internal block) and one call
    /// all give the same samples, bit for bit.
    @Test(arguments: ResamplerDirection.all)
    func anySplitEqualsTheWholeBuffer(_ direction: ResamplerDirection) throws {
        let input = ResamplerTestRandom.speechLike(count: direction.from / 5, seed: 11)
        let whole = try ResamplerSignal.resample(input, direction)
        let frames = try resampleInChunks(input, direction) { _ in direction.from / 50 }
        var random = ResamplerTestRandom(seed: 3)
        let ragged = try resampleInChunks(input, direction) { _ in
            [0, 1, 2, 7, 159, 161, 481, 1100][Int(random.next() % 8)]
        }
        #expect(frames.count == whole.count && ragged.count == whole.count)
        #expect(mismatches(frames, whole).isEmpty)
        #expect(mismatches(ragged, whole).isEmpty)
    }

    /// A 1 kHz tone fed as 20 ms frames follows the ideal tone delayed by exactly `delay`, at
    /// every sample including the frame edges (no clicks). Tolerance 6 LSB (measured ≤ 3.3):
    /// passband ripple (±0.004 dB, up to ±7 LSB at this level but ~0.001 dB at 1 kHz), images
    /// and rounding; a one-sample misalignment would be off by ~6000, a lost frame-edge sample
    /// by hundreds.
    @Test(arguments: ResamplerDirection.all)
    func toneCrossesFrameEdgesWithoutDiscontinuity(_ direction: ResamplerDirection) throws {
        let amplitude = 16000.0
        let input = ResamplerSignal.tone(1000, rate: direction.from, count: direction.from / 5, amplitude: amplitude)
        let output = try resampleInChunks(input, direction) { _ in direction.from / 50 }
        let delay = try Resampler(from: direction.from, to: direction.to).delay
        let omega = 2 * Double.pi * 1000 / Double(direction.to)
        var worst = 0.0
        for index in (2 * delay + 8)..<output.count {
            let ideal = amplitude * sin(omega * Double(index - delay) + 0.3)
            worst = max(worst, abs(Double(output[index]) - ideal))
        }
        #expect(worst <= 6, "\(direction): worst deviation \(worst)")
    }

    @Test(arguments: ResamplerDirection.all)
    func resetForgetsTheHistoryAndCopiesAreIndependent(_ direction: ResamplerDirection) throws {
        let input = ResamplerTestRandom.speechLike(count: direction.from / 10, seed: 5)
        let fresh = try ResamplerSignal.resample(input, direction)
        var used = try Resampler(from: direction.from, to: direction.to)
        var ignored: [Int16] = []
        input.prefix(77).withUnsafeBufferPointer { _ = used.process($0, appendingTo: &ignored) }
        var copy = used  // shares nothing observable with `used` from here on
        used.reset()
        var afterReset: [Int16] = []
        input.withUnsafeBufferPointer { _ = used.process($0, appendingTo: &afterReset) }
        #expect(afterReset == fresh)
        var continued: [Int16] = []
        input.dropFirst(77).withUnsafeBufferPointer { _ = copy.process($0, appendingTo: &continued) }
        #expect(ignored + continued == fresh)
    }

    // MARK: DC, silence, saturation

    @Test(arguments: ResamplerDirection.all)
    func silenceGivesSilence(_ direction: ResamplerDirection) throws {
        let output = try ResamplerSignal.resample([Int16](repeating: 0, count: direction.from / 10), direction)
        #expect(output.allSatisfy { $0 == 0 })
    }

    /// After the filter has filled, a constant comes out as exactly the same constant (the
    /// brief allows ±1; each polyphase branch sums to exactly 1.0 in Q15, so it is exact).
    @Test(arguments: ResamplerDirection.all)
    func aConstantComesOutUnchangedAfterTheDelay(_ direction: ResamplerDirection) throws {
        for level: Int16 in [1, -1, 1000, -12345, .max, .min] {
            let output = try ResamplerSignal.resample([Int16](repeating: level, count: direction.from / 20), direction)
            let delay = try Resampler(from: direction.from, to: direction.to).delay
            let settled = output[(2 * delay + 4)...]
            #expect(!settled.isEmpty && settled.allSatisfy { $0 == level }, "\(direction): level \(level)")
        }
    }

    /// Full-scale square waves overshoot (Gibbs) and must clip at ±32767/−32768 rather than
    /// wrap around: the output reaches both rails, and equals the clamped direct-form reference.
    @Test(arguments: ResamplerDirection.all)
    func fullScaleSquareWavesSaturateWithoutWrapping(_ direction: ResamplerDirection) throws {
        for period in [direction.from / 100, direction.from / 1000, 7] {  // 100 Hz, 1 kHz, odd
            let input = (0..<direction.from / 10).map { $0 % period < period / 2 ? Int16.max : Int16.min }
            let output = try ResamplerSignal.resample(input, direction)
            #expect(output.contains(.max) && output.contains(.min), "\(direction), period \(period)")
            let reference = try ResamplerReference.directForm(input, direction)
            let worst = zip(output, reference).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(worst <= 1, "\(direction), period \(period): off by \(worst)")
        }
    }

    /// The worst case for the 32-bit accumulators: every tap of the heaviest branch meets a
    /// full-scale sample of its own sign, so the exact sum is ≈ 2.3 × full scale (beyond
    /// 2³¹ in Q30). The output must clip to the rail of that sign.
    @Test(arguments: ResamplerDirection.all)
    func adversarialInputClipsToTheRightRail(_ direction: ResamplerDirection) throws {
        let bank = try #require(PolyphaseBank.bank(from: direction.from, to: direction.to))
        let taps = ResamplerReference.branches(of: bank)
        let weights = taps.map { branch in branch.map { Int($0.magnitude) }.reduce(0, +) }
        let heaviest = try #require(weights.indices.max { weights[$0] < weights[$1] })
        #expect(weights[heaviest] > 65536)  // the exact sum really exceeds 2³¹
        // Output m = L·t + r has phase (r·M) mod L; pick r for the heaviest branch, t large.
        let run = try #require((0..<bank.upFactor).first { $0 * bank.downFactor % bank.upFactor == heaviest })
        let outputIndex = bank.upFactor * (bank.tapsPerPhase + 4) + run
        let newest = outputIndex * bank.downFactor / bank.upFactor
        for sign in [1, -1] {
            var input = [Int16](repeating: 0, count: newest + 1)
            for (k, tap) in taps[heaviest].enumerated() where tap != 0 {
                input[newest - k] = (Int(tap.signum()) * sign) > 0 ? .max : .min
            }
            let output = try ResamplerSignal.resample(input, direction)
            #expect(output[outputIndex] == (sign > 0 ? .max : .min), "\(direction) sign \(sign)")
        }
    }

    // MARK: Against references

    /// The polyphase kernel equals a direct-form FIR over the zero-stuffed signal at the high
    /// rate (same Q15 taps, exact 64-bit sums, round half up, clamp) to within ±1 LSB, the
    /// kernel's lane-wise flooring (< 1/2000 LSB bias) moving only exact halves.
    @Test(arguments: ResamplerDirection.all)
    func matchesTheDirectFormReference(_ direction: ResamplerDirection) throws {
        var input = ResamplerTestRandom.speechLike(count: direction.from / 10, seed: 1)
        var random = ResamplerTestRandom(seed: 2)
        input += (0..<200).map { _ in random.next() % 2 == 0 ? Int16.max : Int16.min }  // full-scale noise
        let output = try ResamplerSignal.resample(input, direction)
        let reference = try ResamplerReference.directForm(input, direction)
        #expect(output.count == reference.count)
        let differences = zip(output, reference).map { abs(Int($0) - Int($1)) }
        #expect(differences.allSatisfy { $0 <= 1 })
        #expect(differences.filter { $0 != 0 }.count <= output.count / 1000)
    }

    /// Against the unquantised `Double` prototype: Q15 taps (±½ unit each), per-branch unit-DC
    /// scaling (±3·10⁻⁴) and rounding move a ±20000 broadband signal by at most 5 LSB
    /// (measured ≤ 2.8 over the six directions).
    @Test(arguments: ResamplerDirection.all)
    func staysWithinFiveLSBOfTheIdealDoubleFilter(_ direction: ResamplerDirection) throws {
        let input = ResamplerTestRandom.speechLike(count: direction.from / 10, seed: 9)
        let output = try ResamplerSignal.resample(input, direction)
        let ideal = try ResamplerReference.ideal(input, direction)
        let worst = zip(output, ideal).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst <= 5, "\(direction): \(worst)")
    }

    @Test func aShortOutputBufferIsAPreconditionFailure() async {
        await #expect(processExitsWith: .failure) {
            var resampler = try Resampler(from: 8000, to: 16000)
            let input = [Int16](repeating: 0, count: 160)
            var output = [Int16](repeating: 0, count: 319)
            input.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { _ = resampler.process(source, into: $0) }
            }
        }
    }

    /// Feeds `input` in chunks of the sizes `size(callIndex)` returns.
    private func resampleInChunks(
        _ input: [Int16], _ direction: ResamplerDirection, size: (Int) -> Int
    ) throws -> [Int16] {
        var resampler = try Resampler(from: direction.from, to: direction.to)
        var output: [Int16] = []
        var (start, call) = (0, 0)
        while start < input.count {
            let end = min(input.count, start + size(call))
            input[start..<end].withUnsafeBufferPointer { _ = resampler.process($0, appendingTo: &output) }
            (start, call) = (end, call + 1)
        }
        return output
    }
}
