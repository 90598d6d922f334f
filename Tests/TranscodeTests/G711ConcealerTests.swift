import Foundation
import Testing

@testable import Transcode

/// Repeat-and-fade concealment (G.711 Appendix I, simplified): the last 20 ms received is
/// repeated with a gain falling linearly from 1 to 0 over 60 ms (480 samples), then the
/// codec's silence code follows.
@Suite struct G711ConcealerTests {
    static let codecs: [AudioCodec] = [.pcmu, .pcma]

    private func encode(_ sample: Int16, _ codec: AudioCodec) -> UInt8 {
        codec == .pcmu ? MuLaw.encode(sample) : ALaw.encode(sample)
    }

    private func decode(_ code: UInt8, _ codec: AudioCodec) -> Int16 {
        codec == .pcmu ? MuLaw.decode(code) : ALaw.decode(code)
    }

    /// A 20 ms frame of a loud, non-periodic waveform (so a wrong repeat offset shows).
    private func frame(_ codec: AudioCodec, seed: Int = 0) -> [UInt8] {
        (0..<160).map { index in
            let tone: Double = 12_000 * sin(Double(index + seed) * 0.37)
            let noise = Double((index * 37 + seed) % 101 - 50) * 40
            return encode(Int16(tone + noise), codec)
        }
    }

    /// The specified output: history sample `p mod 160` times (480 − p) / 480, then silence.
    private func expectedConcealment(after history: [UInt8], count: Int, _ codec: AudioCodec) -> [UInt8] {
        let samples = history.map { Int32(decode($0, codec)) }
        return (0..<count).map { position in
            guard position < 480 else { return codec.silenceCode }
            return encode(Int16(samples[position % samples.count] * Int32(480 - position) / 480), codec)
        }
    }

    private func received(_ bytes: [UInt8], by concealer: inout G711Concealer) {
        bytes.withUnsafeBytes { concealer.received($0) }
    }

    /// Conceals `total` bytes in requests of `chunk` bytes.
    private func conceal(_ total: Int, chunk: Int, by concealer: inout G711Concealer) -> [UInt8] {
        var output: [UInt8] = []
        while output.count < total {
            var part = [UInt8](repeating: 0x55, count: min(chunk, total - output.count))
            part.withUnsafeMutableBytes { concealer.conceal(into: $0) }
            output += part
        }
        return output
    }

    @Test(arguments: codecs)
    func silenceCodes(codec: AudioCodec) {
        #expect(codec.silenceCode == (codec == .pcmu ? 0xFF : 0xD5))
    }

    @Test(arguments: codecs)
    func repeatsTheLastFrameFadingToSilenceOverSixtyMilliseconds(codec: AudioCodec) {
        var concealer = G711Concealer(codec: codec)
        let last = frame(codec)
        received(frame(codec, seed: 999), by: &concealer)  // older audio, must not be repeated
        received(last, by: &concealer)
        let output = conceal(800, chunk: 160, by: &concealer)
        #expect(output == expectedConcealment(after: last, count: 800, codec))
        // Full gain at the start: the first concealed sample is the repeated frame's first.
        #expect(output[0] == encode(decode(last[0], codec), codec))
        // 60 ms (480 samples) of fade, then the silence code and nothing else.
        #expect(output[480...].allSatisfy { $0 == codec.silenceCode })
        #expect(output[..<160].filter { $0 == codec.silenceCode }.count < 10, "the first 20 ms is audible")
    }

    /// The envelope is linear: a constant-level frame decodes to level·(480 − p)/480 within the
    /// codec's quantisation (≤ 1/16 of the value for both laws, plus a small floor).
    @Test(arguments: codecs)
    func envelopeIsLinear(codec: AudioCodec) {
        var concealer = G711Concealer(codec: codec)
        let level = decode(encode(16_000, codec), codec)
        received([UInt8](repeating: encode(level, codec), count: 160), by: &concealer)
        let output = conceal(480, chunk: 480, by: &concealer).map { Double(decode($0, codec)) }
        for (position, value) in output.enumerated() {
            let ideal = Double(level) * Double(480 - position) / 480
            #expect(abs(value - ideal) <= ideal / 16 + 16, "sample \(position): \(value) vs \(ideal)")
        }
        #expect(output[0] == Double(level))
        #expect(output[240] < Double(level) * 0.54 && output[240] > Double(level) * 0.46)
        #expect(output[479] < 100)
    }

    /// The fade runs across calls: any request sizes yield the same byte sequence.
    @Test(arguments: codecs)
    func requestSizeDoesNotMatter(codec: AudioCodec) {
        let last = frame(codec, seed: 5)
        var sequences: [[UInt8]] = []
        for chunk in [1, 7, 160, 333, 700] {
            var concealer = G711Concealer(codec: codec)
            received(last, by: &concealer)
            sequences.append(conceal(700, chunk: chunk, by: &concealer))
        }
        #expect(sequences.allSatisfy { $0 == sequences[0] })
        #expect(sequences[0] == expectedConcealment(after: last, count: 700, codec))
    }

    /// New audio ends the loss: the next loss repeats the new frame at full gain again.
    @Test(arguments: codecs)
    func receivedRestartsTheFade(codec: AudioCodec) {
        var concealer = G711Concealer(codec: codec)
        received(frame(codec, seed: 1), by: &concealer)
        _ = conceal(600, chunk: 50, by: &concealer)  // faded out completely
        let fresh = frame(codec, seed: 2)
        received(fresh, by: &concealer)
        #expect(conceal(600, chunk: 160, by: &concealer) == expectedConcealment(after: fresh, count: 600, codec))
        // Also mid-fade.
        _ = conceal(100, chunk: 100, by: &concealer)
        received(fresh, by: &concealer)
        #expect(conceal(200, chunk: 7, by: &concealer) == expectedConcealment(after: fresh, count: 200, codec))
    }

    @Test(arguments: codecs)
    func withoutHistoryOnlySilence(codec: AudioCodec) {
        var concealer = G711Concealer(codec: codec)
        #expect(conceal(500, chunk: 13, by: &concealer) == [UInt8](repeating: codec.silenceCode, count: 500))
    }

    /// History is the last 160 samples received, across packets of any size.
    @Test(arguments: codecs)
    func historyIsTheLastTwentyMilliseconds(codec: AudioCodec) {
        let first = frame(codec, seed: 10)
        let second = frame(codec, seed: 20)
        // A 10 ms packet after a 20 ms one: the history is the older half plus the new half.
        var concealer = G711Concealer(codec: codec)
        received(first, by: &concealer)
        received(Array(second[..<80]), by: &concealer)
        let mixed = Array(first[80...]) + Array(second[..<80])
        #expect(conceal(480, chunk: 160, by: &concealer) == expectedConcealment(after: mixed, count: 480, codec))
        // A 30 ms packet: only its last 20 ms is kept.
        concealer = G711Concealer(codec: codec)
        received(first + Array(second[..<80]), by: &concealer)
        #expect(conceal(480, chunk: 160, by: &concealer) == expectedConcealment(after: mixed, count: 480, codec))
        // Three 10 ms packets: the last two.
        concealer = G711Concealer(codec: codec)
        for part in [first[..<80], first[80...], second[..<80]] { received(Array(part), by: &concealer) }
        #expect(conceal(480, chunk: 160, by: &concealer) == expectedConcealment(after: mixed, count: 480, codec))
    }

    /// Less than 20 ms ever received: that shorter stretch is what repeats.
    @Test(arguments: codecs)
    func shortHistoryRepeatsWhatThereIs(codec: AudioCodec) {
        var concealer = G711Concealer(codec: codec)
        let part = Array(frame(codec, seed: 3)[..<80])
        received(part, by: &concealer)
        #expect(conceal(520, chunk: 160, by: &concealer) == expectedConcealment(after: part, count: 520, codec))
    }
}
