import Foundation
import Testing

@testable import Transcode

/// The dashboard's level meter: G.711 peaks read from the codes, L16 in both byte orders, and
/// the fall after the audio stops.
struct PeakMeterTests {
    /// 20 ms of a 1 kHz tone at `amplitude`, as 8 kHz samples.
    private func tone(_ amplitude: Double) -> [Int16] {
        (0..<160).map { Int16((amplitude * sin(2 * Double.pi * 1000 * Double($0) / 8000)).rounded()) }
    }

    private func level(_ body: (inout PeakMeter) -> Void) -> Float {
        var meter = PeakMeter()
        body(&meter)
        return meter.decibelsFullScale
    }

    @Test(arguments: [-3.0, -20.0, -40.0])
    func everyEncodingReadsTheToneLevel(dBFS: Double) {
        let samples = tone(32768 * pow(10, dBFS / 20))
        let muLaw = samples.map(MuLaw.encode)
        let aLaw = samples.map(ALaw.encode)
        let big = samples.flatMap { [UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8), UInt8(truncatingIfNeeded: $0)] }
        let little = samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8)] }
        // G.711's step near the peak is at most 1/16 of the segment: ≤ 0.6 dB either way.
        #expect(abs(Double(level { m in muLaw.withUnsafeBytes { m.measure(muLaw: $0) } }) - dBFS) < 0.6)
        #expect(abs(Double(level { m in aLaw.withUnsafeBytes { m.measure(aLaw: $0) } }) - dBFS) < 0.6)
        #expect(abs(Double(level { m in big.withUnsafeBytes { m.measure(l16: $0, bigEndian: true) } }) - dBFS) < 0.1)
        #expect(abs(Double(level { m in little.withUnsafeBytes { m.measure(l16: $0, bigEndian: false) } }) - dBFS) < 0.1)
        // The wrong byte order reads loud noise, not the quiet tone.
        let swapped = Double(level { m in little.withUnsafeBytes { m.measure(l16: $0, bigEndian: true) } })
        if dBFS <= -20 { #expect(swapped - dBFS > 10) }
    }

    @Test func silenceAndFullScale() {
        let silentMuLaw = [UInt8](repeating: 0xFF, count: 160)
        #expect(level { m in silentMuLaw.withUnsafeBytes { m.measure(muLaw: $0) } } == -96)
        let fullMuLaw = [UInt8](repeating: 0x00, count: 160)  // −32124, the largest µ-law magnitude
        #expect(abs(level { m in fullMuLaw.withUnsafeBytes { m.measure(muLaw: $0) } } - (-0.17)) < 0.05)
        #expect(level { $0.measureSilence() } == -96)
        #expect(level { m in [UInt8]().withUnsafeBytes { m.measure(muLaw: $0) } } == -96)
    }

    /// The meter falls 20·log10(0.85) ≈ 1.41 dB per silent frame and jumps up at once.
    @Test func fallsAfterTheAudioStops() {
        var meter = PeakMeter()
        let loud = tone(3277).map(MuLaw.encode)
        loud.withUnsafeBytes { meter.measure(muLaw: $0) }
        let start = meter.decibelsFullScale
        for _ in 0..<10 { meter.measureSilence() }
        #expect(abs((start - meter.decibelsFullScale) - 14.1) < 0.1)
        loud.withUnsafeBytes { meter.measure(muLaw: $0) }
        #expect(meter.decibelsFullScale == start)
    }
}
