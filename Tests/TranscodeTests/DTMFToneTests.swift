import Foundation
import Testing

@testable import Transcode

/// In-band DTMF: each key is its Q.23 pair and nothing else, for the specified time.
@Suite struct DTMFToneTests {
    /// Power of `frequency` in `samples` (Goertzel), normalised by the signal's power.
    private func share(of frequency: Double, in samples: ArraySlice<Int16>, rate: Double) -> Double {
        let coefficient = 2 * cos(2 * Double.pi * frequency / rate)
        var s1 = 0.0, s2 = 0.0, energy = 0.0
        for sample in samples {
            let s0 = Double(sample) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
            energy += Double(sample) * Double(sample)
        }
        let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
        return power * 2 / (Double(samples.count) * energy)
    }

    @Test(arguments: Array("123A456B789C*0#D"))
    func eachKeyIsItsFrequencyPair(key: Character) throws {
        var samples: [Int16] = []
        DTMFTone.append(key, sampleRate: 8000, to: &samples)
        #expect(samples.count == 800 + 480, "100 ms of tone, 60 ms of silence")
        #expect(samples[800...].allSatisfy { $0 == 0 })
        let (low, high) = try #require(DTMFTone.frequencies(of: key))
        let tone = samples[0..<800]
        let lowShare = share(of: low, in: tone, rate: 8000)
        let highShare = share(of: high, in: tone, rate: 8000)
        #expect(lowShare > 0.45 && highShare > 0.45, "each frequency holds half the power: \(lowShare), \(highShare)")
        #expect(lowShare + highShare > 0.97)
        #expect(tone.map { abs(Int($0)) }.max()! <= 14_000, "no clipping")
    }

    @Test func nonKeysAppendNothing() {
        var samples: [Int16] = []
        DTMFTone.append("x", sampleRate: 8000, to: &samples)
        #expect(samples.isEmpty)
        #expect(DTMFTone.frequencies(of: "5")! == (770, 1336))
    }
}
