import Foundation
import Testing

@testable import Transcode

/// The per-call transcoders (issues 4 and 5): every codec/stream pair that has an exact answer
/// is checked sample for sample; G.722 against spandsp's vectors.
@Suite struct TranscoderTests {
    private func littleEndian(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(truncatingIfNeeded: UInt16(bitPattern: $0)), UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8)] }
    }

    private func bigEndian(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8), UInt8(truncatingIfNeeded: UInt16(bitPattern: $0))] }
    }

    private let l16k16 = AudioFormat(encoding: .l16, sampleRate: 16000)

    @Test func g722InboundIsTheDecodedSignalAsBigEndianL16() throws {
        let encoded = try G722Fixture.encoded()
        var transcoder = try InboundTranscoder(codec: .g722, format: l16k16)
        #expect(!transcoder.isPassthrough)
        var streamed: [UInt8] = []
        for start in stride(from: 0, to: encoded.count - 159, by: 160) {
            let before = streamed.count
            Array(encoded[start..<start + 160]).withUnsafeBytes { transcoder.transcode($0, into: &streamed) }
            #expect(streamed.count - before == 640, "20 ms of G.722 is 640 bytes of 16 kHz L16")
        }
        var decoder = G722Decoder()
        var expected = [Int16](repeating: 0, count: streamed.count / 2)
        Array(encoded.prefix(streamed.count / 4)).withUnsafeBufferPointer { octets in
            expected.withUnsafeMutableBufferPointer { _ = decoder.decode(octets, into: $0) }
        }
        #expect(streamed == bigEndian(expected))
    }

    /// playAudio of 16 kHz L16 into a G.722 call: queued as PCM, encoded frame by frame as it
    /// is sent — bit-exact with spandsp's encoding of the whole signal.
    @Test func g722OutboundEncodesQueueFramesBitExactly() throws {
        let input = try G722Fixture.input()
        let encoded = try G722Fixture.encoded()
        var transcoder = OutboundTranscoder(codec: .g722)
        #expect(transcoder.queueFrameBytes == 640)
        #expect(!transcoder.isPassthrough(l16k16))
        var queue: [UInt8] = []
        try littleEndian(input).withUnsafeBytes { try transcoder.enqueueForm(of: $0, format: l16k16, into: &queue) }
        #expect(queue == littleEndian(input), "16 kHz into G.722 needs no resampling")
        var octets: [UInt8] = []
        var payload = [UInt8](repeating: 0, count: 160)
        for start in stride(from: 0, to: queue.count - 639, by: 640) {
            let written = Array(queue[start..<start + 640]).withUnsafeBytes { frame in
                payload.withUnsafeMutableBytes { transcoder.payload(fromQueueFrame: frame, into: $0) }
            }
            #expect(written == 160)
            octets += payload
        }
        #expect(octets == Array(encoded.prefix(octets.count)))
    }

    @Test func pcmuIntoMuLawPassesThroughAndConcealsLikeG711Concealer() throws {
        var transcoder = try InboundTranscoder(codec: .pcmu, format: .mulaw8k)
        var reference = G711Concealer(codec: .pcmu)
        #expect(transcoder.isPassthrough)
        let frame = (0..<160).map { MuLaw.encode(Int16(9000 * sin(Double($0) * 0.3))) }
        var output: [UInt8] = []
        frame.withUnsafeBytes { transcoder.transcode($0, into: &output); reference.received($0) }
        #expect(output == frame)
        var concealed: [UInt8] = []
        transcoder.conceal(units: 800, into: &concealed)
        var expected = [UInt8](repeating: 0, count: 800)
        expected.withUnsafeMutableBytes { reference.conceal(into: $0) }
        #expect(concealed == expected)
        #expect(concealed.suffix(320).allSatisfy { $0 == 0xFF }, "silence after the 60 ms fade")
    }

    @Test(arguments: [L16ByteOrder.big, .little])
    func pcmaIntoL16At8kHzIsTheDecodedSamples(order: L16ByteOrder) throws {
        var transcoder = try InboundTranscoder(codec: .pcma, format: AudioFormat(encoding: .l16, sampleRate: 8000), byteOrder: order)
        let codes = (0...255).map { UInt8($0) }
        var output: [UInt8] = []
        codes.withUnsafeBytes { transcoder.transcode($0, into: &output) }
        let samples = codes.map(ALaw.decode)
        #expect(output == (order == .big ? bigEndian(samples) : littleEndian(samples)))
    }

    /// Upsampling keeps the count exact frame by frame: 160 PCMU bytes are always 640 bytes
    /// at 16 kHz and 960 at 24 kHz, so every `media` event is a whole 20 ms.
    @Test(arguments: [16000, 24000])
    func upsampledFramesAreWhole(rate: Int) throws {
        var transcoder = try InboundTranscoder(codec: .pcmu, format: AudioFormat(encoding: .l16, sampleRate: rate))
        let frame = (0..<160).map { MuLaw.encode(Int16(6000 * sin(Double($0) * 0.2))) }
        for _ in 0..<25 {
            var output: [UInt8] = []
            frame.withUnsafeBytes { transcoder.transcode($0, into: &output) }
            #expect(output.count == 160 * rate / 8000 * 2)
        }
        var concealed: [UInt8] = []
        transcoder.conceal(units: 160, into: &concealed)
        #expect(concealed.count == 160 * rate / 8000 * 2)
    }

    @Test func muLawIntoAPCMACallIsReencoded() throws {
        var transcoder = OutboundTranscoder(codec: .pcma)
        #expect(!transcoder.isPassthrough(.mulaw8k))
        let codes = (0...255).map { UInt8($0) }
        var queue: [UInt8] = []
        try codes.withUnsafeBytes { try transcoder.enqueueForm(of: $0, format: .mulaw8k, into: &queue) }
        #expect(queue == codes.map { ALaw.encode(MuLaw.decode($0)) })
        #expect(transcoder.queueFrameBytes == 160)
        #expect(transcoder.queueSilenceByte == 0xD5)
    }

    @Test func bigEndianL16IntoAPCMUCallHonoursTheByteOrder() throws {
        var transcoder = OutboundTranscoder(codec: .pcmu, byteOrder: .big)
        let samples: [Int16] = [0, 1000, -1000, 32767, -32768, 12345]
        var queue: [UInt8] = []
        try bigEndian(samples).withUnsafeBytes {
            try transcoder.enqueueForm(of: $0, format: AudioFormat(encoding: .l16, sampleRate: 8000), into: &queue)
        }
        #expect(queue == samples.map(MuLaw.encode))
    }

    /// Audio queued before a re-offer changed the codec, converted for the new one.
    private func requeue(_ audio: [UInt8], from old: AudioCodec, to new: AudioCodec) throws -> [UInt8] {
        var transcoder = OutboundTranscoder(codec: new, byteOrder: .big)
        var output: [UInt8] = []
        try audio.withUnsafeBytes { bytes in try transcoder.enqueueForm(ofQueueAudio: bytes, queuedFor: old, into: &output) }
        return output
    }

    @Test func queuedG711IsMappedCodeByCodeWhenTheCodecChanges() throws {
        let codes = (0...255).map { UInt8($0) }
        #expect(try requeue(codes, from: .pcmu, to: .pcma) == codes.map(G711.muLawToALaw))
        #expect(try requeue(codes, from: .pcma, to: .pcmu) == codes.map(G711.aLawToMuLaw))
        #expect(try requeue(codes, from: .pcmu, to: .pcmu) == codes)
    }

    @Test func queuedAudioMovesBetweenNarrowbandAndWideband() throws {
        // 100 ms of a 400 Hz tone in µ-law: into G.722's queue (16 kHz little-endian PCM, whatever
        // the stream's byte order) and back; the tone survives both resamplings.
        let tone = (0..<800).map { MuLaw.encode(Int16(8000 * sin(2 * Double.pi * 400 * Double($0) / 8000))) }
        let wide = try requeue(tone, from: .pcmu, to: .g722)
        #expect(wide.count == 3200)
        let samples = (0..<1600).map { Int16(bitPattern: UInt16(wide[2 * $0]) | UInt16(wide[2 * $0 + 1]) << 8) }
        #expect(samples[400..<1600].map { abs(Int($0)) }.max()! > 6000, "the tone is there, little-endian")
        let narrow = try requeue(wide, from: .g722, to: .pcmu)
        #expect(narrow.count == 800)
        #expect(narrow[400..<800].map { abs(Int(MuLaw.decode($0))) }.max()! > 6000)
    }
}

