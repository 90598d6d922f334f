import Foundation
import Testing
import TestSupport
import Transcode

@testable import BridgeApp

/// Wideband and resampled calls end to end with sipp as the carrier (issues 4 and 5): G.722
/// on the SIP leg feeding a 16 kHz L16 stream natively, and a PCMU call resampled to and from
/// 24 kHz L16. Audio is checked sample for sample where nothing is lossy, by correlation or by
/// fitting a tone where a codec or the resampler sits in between.
@Suite(.serialized)
struct WidebandCallTests {
    static let g722Fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TranscodeTests/Fixtures/g722").standardized

    /// G.722 octets decoded by the bridge's codec (itself checked against spandsp's vectors).
    static func decodeG722(_ octets: [UInt8]) -> [Int16] {
        var decoder = G722Decoder()
        var samples = [Int16](repeating: 0, count: octets.count * 2)
        octets.withUnsafeBufferPointer { input in
            samples.withUnsafeMutableBufferPointer { _ = decoder.decode(input, into: $0) }
        }
        return samples
    }

    /// sipp sends spandsp's G.722 encoding of the fixture signal (PT 9); the stream carries
    /// exactly its decoding as big-endian L16 at 16 kHz, 640 bytes per 20 ms. The agent answers
    /// with the 16 kHz signal as little-endian L16; the caller receives G.722 that decodes back
    /// to it (correlation ≥ 0.98: G.722 at 64 kbit/s is lossy, but not by much).
    @Test func g722CallStreamsSixteenKilohertzBothWays() async throws {
        let encoded = try Array(Data(contentsOf: Self.g722Fixtures.appendingPathComponent("encoded_64k.bin")))
        let input = SignalAnalysis.samples(
            l16: try Array(Data(contentsOf: Self.g722Fixtures.appendingPathComponent("input_16k.bin"))), bigEndian: false)
        let wholeFrames = encoded.count / 160
        let record = try await SippCallTests.runCall(
            scenario: "uac_g722_rtp_stream.xml", audio: Self.g722Fixtures.appendingPathComponent("encoded_64k.bin").path,
            pauseMilliseconds: 3000, mediaPort: 42800, returnPayloadType: 9, rtpRangeIndex: 19, codecs: "[G722, PCMU]",
            streamExtra: #"content_type: "audio/x-l16;rate=16000""#,
            play: .init(contentType: "audio/x-l16", sampleRate: 16000, bytes: SignalAnalysis.littleEndianBytes(input)))

        try assertStart(record.connection, encoding: "audio/x-l16", sampleRate: 16000)
        let media = try assertMediaEvents(record.connection, frameBytes: 640)
        assertCadence(media.times, atLeast: 140)
        let streamed = SignalAnalysis.samples(l16: media.payload, bigEndian: true)
        let expected = Array(Self.decodeG722(Array(encoded.prefix(wholeFrames * 160))))
        let head = Array(expected.prefix(320))
        let start = try #require(
            (0...max(0, streamed.count - expected.count)).first { Array(streamed[$0..<$0 + 320]) == head },
            "the caller's first frame is not in the stream")
        #expect(start % 320 == 0, "audio starts on a frame boundary")
        #expect(
            firstMismatch(
                SignalAnalysis.littleEndianBytes(Array(streamed[start..<start + expected.count])),
                SignalAnalysis.littleEndianBytes(expected)) == nil)

        // Return path: RTP PT 9 (160 octets, 20 ms apart) decoding to the agent's audio.
        #expect(record.returned.allSatisfy { $0.payload.count == 160 })
        let returned = Self.decodeG722(record.returned.flatMap(\.payload))
        let onset = try #require(SignalAnalysis.onset(returned), "no audio returned to the caller")
        let inputOnset = try #require(SignalAnalysis.onset(input))
        let reference = Array(input[1600..<24_000])  // skip the first 100 ms: the codec settles
        let lag = onset - inputOnset + 1600
        let match = SignalAnalysis.bestCorrelation(returned, reference, lags: (lag - 64)...(lag + 64))
        #expect(match.r >= 0.98, "return path correlation \(match.r) at lag \(match.lag - lag)")
        #expect(record.connection.events("playedStream").map { $0.json["name"] as? String } == ["all-played"])
    }

    /// A PCMU caller on a 24 kHz L16 stream (little-endian by route option): a 1 kHz tone
    /// arrives upsampled, at its level and clean; the agent's 600 Hz tone at 24 kHz reaches the
    /// caller downsampled to µ-law, at its level and clean.
    @Test func pcmuCallResampledToTwentyFourKilohertz() async throws {
        let directory = try temporaryDirectory("resampled-audio")
        let tone = SignalAnalysis.sine(frequency: 1000, amplitude: 8000, rate: 8000, count: 16_000).map(MuLaw.encode)
        let audioFile = directory.appendingPathComponent("tone.ulaw")
        try Data(tone).write(to: audioFile)
        let agentTone = SignalAnalysis.sine(frequency: 600, amplitude: 10_000, rate: 24_000, count: 36_000)
        let record = try await SippCallTests.runCall(
            scenario: "uac_pcmu_rtp_stream.xml", audio: audioFile.path, pauseMilliseconds: 3000, mediaPort: 43000,
            returnPayloadType: 0, rtpRangeIndex: 20,
            streamExtra: "content_type: \"audio/x-l16;rate=24000\"\n      l16_inbound_byte_order: little",
            play: .init(contentType: "audio/x-l16", sampleRate: 24000, bytes: SignalAnalysis.littleEndianBytes(agentTone)))

        try assertStart(record.connection, encoding: "audio/x-l16", sampleRate: 24000)
        let media = try assertMediaEvents(record.connection, frameBytes: 960)
        assertCadence(media.times, atLeast: 140)
        let streamed = SignalAnalysis.samples(l16: media.payload, bigEndian: false)
        let onset = try #require(SignalAnalysis.onset(streamed), "no tone in the stream")
        // 1.6 s of the 2 s tone, clear of its edges.
        let inbound = SignalAnalysis.tone(streamed[(onset + 4800)..<(onset + 43_200)], frequency: 1000, rate: 24000)
        #expect(abs(inbound.amplitude / 8000 - 1) < 0.03, "inbound level \(inbound.amplitude)")
        #expect(inbound.purity > 0.999, "inbound tone purity \(inbound.purity)")

        let returned = record.returned.flatMap(\.payload).map(MuLaw.decode)
        let returnOnset = try #require(SignalAnalysis.onset(returned), "no audio returned to the caller")
        let outbound = SignalAnalysis.tone(returned[(returnOnset + 800)..<(returnOnset + 10_400)], frequency: 600, rate: 8000)
        #expect(abs(outbound.amplitude / 10_000 - 1) < 0.03, "outbound level \(outbound.amplitude)")
        #expect(outbound.purity > 0.999, "outbound tone purity \(outbound.purity)")
        #expect(record.connection.events("playedStream").map { $0.json["name"] as? String } == ["all-played"])
    }
}
