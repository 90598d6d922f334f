import Foundation
import Testing

@testable import Transcode

/// G.722 behaviour beyond the reference vectors: streaming, delay, quality, silence, limits.
@Suite struct G722CodecTests {
    /// The QMF pair's delay: output sample `n + 22` reconstructs input sample `n` (1.375 ms at
    /// 16 kHz). Measured by `codecDelayIs22Samples`.
    static let delay = 22

    /// RTP carries 20 ms frames: 320 samples become 160 octets, and encoding or decoding a
    /// stream frame by frame must equal doing it in one call.
    @Test func frameByFrameEqualsWholeBuffer() throws {
        let input = try G722Fixture.input()
        let frames = input.count / G722.samplesPer20ms  // 87 whole frames of the 1.75 s signal
        var whole = G722Encoder()
        let expectedOctets = whole.encode(input)

        var encoder = G722Encoder()
        var octets: [UInt8] = []
        for frame in 0..<frames {
            let start = frame * G722.samplesPer20ms
            let payload = encoder.encode(Array(input[start..<start + G722.samplesPer20ms]))
            #expect(payload.count == G722.octetsPer20ms)
            octets += payload
        }
        #expect(G722Fixture.differences(octets, Array(expectedOctets.prefix(frames * G722.octetsPer20ms)), "octets") == nil)

        var wholeDecoder = G722Decoder()
        let expectedSamples = wholeDecoder.decode(expectedOctets)
        var decoder = G722Decoder()
        var samples: [Int16] = []
        for frame in 0..<frames {
            let start = frame * G722.octetsPer20ms
            let audio = decoder.decode(Array(octets[start..<start + G722.octetsPer20ms]))
            #expect(audio.count == G722.samplesPer20ms)
            samples += audio
        }
        #expect(G722Fixture.differences(samples, Array(expectedSamples.prefix(frames * G722.samplesPer20ms)), "samples") == nil)
    }

    /// Buffers of any length, odd ones included: the encoder holds an odd sample over to the
    /// next call, so the octets still equal the one-call encoding.
    @Test func irregularSplitsEqualWholeBuffer() throws {
        let input = try G722Fixture.input()
        var whole = G722Encoder()
        let expected = whole.encode(input)
        let sizes = [1, 2, 3, 0, 5, 320, 7, 161, 1, 1, 640, 33]

        var encoder = G722Encoder()
        var octets: [UInt8] = []
        var start = 0
        var call = 0
        while start < input.count {
            let end = min(start + sizes[call % sizes.count], input.count)
            octets += encoder.encode(Array(input[start..<end]))  // checks octetCount(forSampleCount:)
            start = end
            call += 1
        }
        #expect(G722Fixture.differences(octets, expected, "octets") == nil)

        var wholeDecoder = G722Decoder()
        let expectedSamples = wholeDecoder.decode(expected)
        var decoder = G722Decoder()
        var samples: [Int16] = []
        start = 0
        call = 0
        while start < expected.count {
            let end = min(start + sizes[call % sizes.count], expected.count)
            samples += decoder.decode(Array(expected[start..<end]))
            start = end
            call += 1
        }
        #expect(G722Fixture.differences(samples, expectedSamples, "samples") == nil)
    }

    /// Broadband noise through encoder and decoder correlates with the input at one lag only:
    /// the delay of the QMF pair. (A tone cannot tell lags a period apart.)
    @Test func codecDelayIs22Samples() {
        var state: UInt32 = 1
        let input: [Int16] = (0..<16000).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int16(truncatingIfNeeded: Int32(bitPattern: state) >> 19)  // ±4096 white noise
        }
        let output = roundTrip(input)
        let scores = (0..<64).map { lag in
            (1600..<15000).reduce(0.0) { $0 + Double(input[$1]) * Double(output[$1 + lag]) }
        }
        let best = scores.indices.max { scores[$0] < scores[$1] }
        #expect(best == Self.delay)
        // The peak dominates (measured: 26.8 times the next largest lag).
        let runnerUp = scores.indices.filter { $0 != Self.delay }.map { abs(scores[$0]) }.max() ?? 0
        #expect(scores[Self.delay] > 10 * runnerUp)
    }

    /// A 1 kHz tone at −10 dBFS survives the round trip with an SNR above 20 dB once the
    /// output is aligned by the codec delay (measured: 47.2 dB).
    @Test func toneRoundTripSNRAbove20dB() {
        let input = (0..<16000).map { n in
            Int16((10000 * sin(2 * Double.pi * 1000 * Double(n) / 16000)).rounded())
        }
        let output = roundTrip(input)
        // Skip the first 100 ms, while the scale factors adapt from their reset values.
        var signal = 0.0
        var noise = 0.0
        for n in 1600..<(input.count - Self.delay) {
            let error = Double(output[n + Self.delay]) - Double(input[n])
            signal += Double(input[n]) * Double(input[n])
            noise += error * error
        }
        let snr = 10 * log10(signal / noise)
        #expect(snr > 20, "SNR \(snr) dB")
    }

    /// Digital silence decodes to within a few LSBs of zero (the idle ADPCM pattern), from the
    /// reset state on (measured: at most 4).
    @Test func silenceStaysNearSilence() {
        let output = roundTrip([Int16](repeating: 0, count: 16000))
        let peak = output.map { abs(Int($0)) }.max() ?? 0
        #expect(peak <= 8, "silence decoded with peak \(peak)")
    }

    @Test func rtpAndFormatConstants() {
        // RFC 3551 §4.5.2: 16 kHz audio, but an 8000 Hz RTP clock: one tick per octet.
        #expect(G722.sampleRate == 16000)
        #expect(G722.rtpClockRate == 8000)
        #expect(G722.staticPayloadType == 9)
        #expect(G722.samplesPer20ms == 320)
        #expect(G722.octetsPer20ms == 160)
        #expect(G722.octetsPer20ms * 1000 / 20 == G722.rtpClockRate)
        #expect(G722Decoder.Mode.allCases.map(\.bitRate) == [64000, 56000, 48000])
        #expect(G722Decoder().mode == .mode1)
    }

    @Test func encodeRejectsShortOutput() async {
        await #expect(processExitsWith: .failure) {
            let samples = [Int16](repeating: 0, count: 6)
            var octets = [UInt8](repeating: 0, count: 2)
            var encoder = G722Encoder()
            samples.withUnsafeBufferPointer { input in
                octets.withUnsafeMutableBufferPointer { _ = encoder.encode(input, into: $0) }
            }
        }
    }

    @Test func decodeRejectsShortOutput() async {
        await #expect(processExitsWith: .failure) {
            let octets = [UInt8](repeating: 0xFA, count: 3)
            var samples = [Int16](repeating: 0, count: 5)
            var decoder = G722Decoder()
            octets.withUnsafeBufferPointer { input in
                samples.withUnsafeMutableBufferPointer { _ = decoder.decode(input, into: $0) }
            }
        }
    }

    /// Encodes with a fresh encoder and decodes in mode 1 with a fresh decoder.
    private func roundTrip(_ samples: [Int16]) -> [Int16] {
        var encoder = G722Encoder()
        var decoder = G722Decoder()
        return decoder.decode(encoder.encode(samples))
    }
}
