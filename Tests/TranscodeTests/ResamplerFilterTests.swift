import Foundation
import Testing
import TestSupport

@testable import Transcode

/// The filter design behind ``Resampler``: Kaiser parameters, the prototype against values
/// computed independently with NumPy, and the invariants of the Q15 polyphase branches.
@Suite struct ResamplerFilterTests {
    /// Tap counts from Kaiser's length formula for A = 70 dB, rounded up so that the group
    /// delay is a whole number of samples at both rates; the cutoff is mid-transition.
    @Test(arguments: [
        (ResamplerDirection(from: 8000, to: 16000), 16000, 117, 3700.0),
        (ResamplerDirection(from: 8000, to: 24000), 24000, 175, 3700.0),
        (ResamplerDirection(from: 16000, to: 24000), 48000, 217, 7500.0),
    ])
    func designParameters(_ direction: ResamplerDirection, highRate: Int, taps: Int, cutoff: Double) throws {
        let filter = try #require(PolyphaseBank.bank(from: direction.from, to: direction.to)).filter
        #expect(filter.highRate == highRate)
        #expect(filter.tapCount == taps)
        #expect(filter.cutoff == cutoff)
        #expect(abs(filter.beta - 6.75526) < 1e-12)
        #expect(filter.groupDelay == (taps - 1) / 2)
    }

    /// Golden values from `cutoff/Nyquist · numpy.sinc(…) · numpy.kaiser(N, 6.75526)` (NumPy
    /// 2.4): first tap, tap 10, the tap before the centre and the centre, and the sum.
    @Test(arguments: [
        (16000, [0: 2.1325070046769024e-05, 10: 0.0002739871781039824, 57: 0.3158107751110899, 58: 0.4625],
            1.0000487920031917),
        (24000, [0: 1.4216713364512683e-05, 10: -0.00012244252974997544, 86: 0.26221951965511525,
            87: 0.30833333333333335], 1.0000475292972815),
        (48000, [0: -1.5498676192495466e-05, 10: 9.569304694319489e-05, 107: 0.2645942896394088, 108: 0.3125],
            0.9999639366048163),
    ])
    func prototypeMatchesNumPy(highRate: Int, taps: [Int: Double], sum: Double) throws {
        let other = highRate == 48000 ? 24000 : highRate
        let lower = highRate == 48000 ? 16000 : 8000
        let filter = try #require(PolyphaseBank.bank(from: lower, to: other)).filter
        let prototype = filter.prototype()
        for (index, value) in taps {
            #expect(abs(prototype[index] - value) <= 1e-15 + 1e-12 * abs(value), "tap \(index)")
        }
        #expect(abs(prototype.reduce(0, +) - sum) < 1e-12)
        for index in prototype.indices {
            #expect(prototype[index] == prototype[prototype.count - 1 - index], "linear phase at \(index)")
        }
    }

    @Test func libmFreeHelpersMatchFoundation() {
        for step in -1500...1500 {
            let x = Double(step) * 0.0137
            #expect(abs(ResamplerFilter.sinPi(x) - sin(Double.pi * x)) < 1e-14, "sinPi(\(x))")
        }
        // scipy.special.i0
        for (x, value) in [(0.0, 1.0), (1.0, 1.2660658777520082), (5.0, 27.239871823604442),
            (6.75526, 134.46732616228866)]
        {
            #expect(abs(ResamplerFilter.besselI0(x) - value) <= 1e-14 * value, "I0(\(x))")
        }
        #expect(ResamplerFilter.sinPi(-0.3) == -ResamplerFilter.sinPi(0.3))  // odd: symmetric prototype
        #expect(ResamplerFilter.gcd(16000, 24000) == 8000)
        #expect(ResamplerFilter.ceiling(115.25) == 116)
        #expect(ResamplerFilter.ceiling(116) == 116)
        #expect(ResamplerFilter.ceiling(0.5) == 1)
    }

    /// Every branch sums to exactly 1.0 in Q15 (unit DC gain per output phase), stays within
    /// one unit of its exact scaled taps, is padded with zeros to a multiple of 8, and cannot
    /// overflow a 32-bit accumulator lane.
    @Test(arguments: ResamplerDirection.all)
    func branchInvariants(_ direction: ResamplerDirection) throws {
        let bank = try #require(PolyphaseBank.bank(from: direction.from, to: direction.to))
        #expect(bank.upFactor * direction.from == bank.downFactor * direction.to)
        #expect(bank.tapsPerPhase % ResamplerKernel.tapsPerStep == 0)
        #expect(bank.coefficients.count == bank.upFactor * bank.tapsPerPhase)
        #expect(PolyphaseBank.lanesCannotOverflow(bank.coefficients, tapsPerPhase: bank.tapsPerPhase))
        let prototype = bank.filter.prototype()
        for (phase, branch) in ResamplerReference.branches(of: bank).enumerated() {
            #expect(branch.map(Int.init).reduce(0, +) == 1 << 15, "phase \(phase)")
            #expect(branch.allSatisfy { $0 != .min })
            let exact = stride(from: phase, to: prototype.count, by: bank.upFactor).map { prototype[$0] }
            let scale = Double(1 << 15) / exact.reduce(0, +)
            for (k, tap) in branch.enumerated() {
                let wanted = k < exact.count ? exact[k] * scale : 0
                #expect(abs(Double(tap) - wanted) < 1, "phase \(phase) tap \(k)")
            }
        }
    }

    /// Largest-remainder rounding hits the total exactly, including when most taps round up.
    @Test func quantizeHitsTheTotalExactly() {
        let branches: [[Double]] = [[0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4], [0.7, 0.49999, -0.2, 0.00001],
            (1...61).map { 1 / Double($0) }]
        for branch in branches {
            let taps = PolyphaseBank.quantize(branch)
            #expect(taps.map(Int.init).reduce(0, +) == 1 << 15)
            let sum = branch.reduce(0, +)
            for (tap, value) in zip(taps, branch) {
                #expect(abs(Double(tap) - value / sum * 32768) < 1)
            }
        }
    }
}

/// Straightforward, slow implementations to hold the polyphase kernel against.
enum ResamplerReference {
    /// The Q15 taps of each branch in natural order (tap k multiplies x[n − k]), padding
    /// included, read back from the time-reversed storage of ``PolyphaseBank``.
    static func branches(of bank: PolyphaseBank) -> [[Int16]] {
        let taps = bank.tapsPerPhase
        return (0..<bank.upFactor).map { phase in
            (0..<taps).map { k in bank.coefficients[phase * taps + taps - 1 - k] }
        }
    }

    /// Direct form at the high rate: zero-stuff by L, convolve with the interleaved Q15 taps
    /// h[p + kL] = branch p tap k in exact 64-bit arithmetic, keep every M-th sample, round
    /// half up and clamp.
    static func directForm(_ input: [Int16], _ direction: ResamplerDirection) throws -> [Int16] {
        let bank = try #require(PolyphaseBank.bank(from: direction.from, to: direction.to))
        let (up, down) = (bank.upFactor, bank.downFactor)
        var highRate = [Int](repeating: 0, count: up * bank.tapsPerPhase)
        for (phase, branch) in branches(of: bank).enumerated() {
            for (k, tap) in branch.enumerated() { highRate[phase + k * up] = Int(tap) }
        }
        let count = Resampler.outputCount(forInput: input.count, from: direction.from, to: direction.to)
        return (0..<count).map { m in
            var sum = 0
            for (j, tap) in highRate.enumerated() where m * down - j >= 0 && (m * down - j) % up == 0 {
                sum += tap * Int(input[(m * down - j) / up])
            }
            return Int16(clamping: (sum + (1 << 14)) >> 15)
        }
    }

    /// The designed filter before quantisation: the `Double` prototype scaled to unit DC gain,
    /// applied to the zero-stuffed input with gain L, unrounded.
    static func ideal(_ input: [Int16], _ direction: ResamplerDirection) throws -> [Double] {
        let bank = try #require(PolyphaseBank.bank(from: direction.from, to: direction.to))
        let (up, down) = (bank.upFactor, bank.downFactor)
        let prototype = bank.filter.prototype()
        let gain = Double(up) / prototype.reduce(0, +)
        let count = Resampler.outputCount(forInput: input.count, from: direction.from, to: direction.to)
        return (0..<count).map { m in
            var sum = 0.0
            for (j, tap) in prototype.enumerated() where m * down - j >= 0 && (m * down - j) % up == 0 {
                sum += tap * Double(input[(m * down - j) / up])
            }
            return sum * gain
        }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a seeded generator so that failures reproduce.
struct ResamplerTestRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E4B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A broadband test signal peaking below ±20000: white noise (±6000) plus three tones of
    /// 4000 at seeded frequencies anywhere below the input's Nyquist frequency, so both the
    /// passband and the stopband of the filter are exercised.
    static func speechLike(count: Int, seed: UInt64) -> [Int16] {
        var random = ResamplerTestRandom(seed: seed)
        let frequencies = (0..<3).map { _ in Double(random.next() % 1000) / 2000 }  // cycles/sample < 0.5
        return (0..<count).map { index in
            let noise = Double(Int(random.next() % 12001) - 6000)
            let tones = frequencies.reduce(0.0) { $0 + 4000 * sin(2 * .pi * $1 * Double(index)) }
            return Int16(noise + tones)
        }
    }
}
