import Testing

@testable import Transcode

/// G.711 ⇄ stream-encoding conversion at 8 kHz, against the scalar codecs it composes.
@Suite struct AudioConverterTests {
    /// Filler for the output beyond what a conversion should write.
    static let guardByte: UInt8 = 0xA5

    /// Runs `codecToStream` into a buffer with four guard bytes past the expected size and
    /// checks that the converter wrote exactly the bytes it reported.
    private func toStream(
        _ input: [UInt8], codec: AudioCodec, encoding: AudioFormat.Encoding, byteOrder: L16ByteOrder = .big
    ) -> [UInt8] {
        let expectedCount = AudioConverter.streamBytes(forCodecBytes: input.count, encoding: encoding)
        var output = [UInt8](repeating: Self.guardByte, count: expectedCount + 4)
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                AudioConverter.codecToStream(
                    source, codec: codec, encoding: encoding, byteOrder: byteOrder, output: target)
            }
        }
        #expect(written == expectedCount)
        #expect(output[written...].allSatisfy { $0 == Self.guardByte }, "wrote past the reported count")
        return Array(output[0..<written])
    }

    /// Runs `streamToCodec` the same way; `samples` is the expected output count.
    private func toCodec(
        _ input: [UInt8], encoding: AudioFormat.Encoding, byteOrder: L16ByteOrder = .big, codec: AudioCodec,
        samples: Int
    ) -> [UInt8] {
        var output = [UInt8](repeating: Self.guardByte, count: samples + 4)
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                AudioConverter.streamToCodec(
                    source, encoding: encoding, byteOrder: byteOrder, codec: codec, output: target)
            }
        }
        #expect(written == samples)
        #expect(output[written...].allSatisfy { $0 == Self.guardByte }, "wrote past the reported count")
        return Array(output[0..<written])
    }

    /// A sample as two bytes in `order`.
    private func bytes(_ sample: Int16, _ order: L16ByteOrder) -> [UInt8] {
        let bits = UInt16(bitPattern: sample)
        let high = UInt8(bits >> 8)
        let low = UInt8(bits & 0xFF)
        return order == .big ? [high, low] : [low, high]
    }

    private func decode(_ code: UInt8, _ codec: AudioCodec) -> Int16 {
        codec == .pcmu ? MuLaw.decode(code) : ALaw.decode(code)
    }

    private func encode(_ sample: Int16, _ codec: AudioCodec) -> UInt8 {
        codec == .pcmu ? MuLaw.encode(sample) : ALaw.encode(sample)
    }

    private let allCodes: [UInt8] = (0...255).map { UInt8($0) }

    /// Every 97th sample plus the extremes and the values around zero.
    private let sampleSweep: [Int16] =
        stride(from: Int(Int16.min), through: Int(Int16.max), by: 97).map { Int16($0) }
        + [.min, .max, -1, 0, 1, -8, 8]

    @Test func streamBytes() {
        #expect(AudioConverter.streamBytes(forCodecBytes: 160, encoding: .mulaw) == 160)
        #expect(AudioConverter.streamBytes(forCodecBytes: 160, encoding: .l16) == 320)
        #expect(AudioConverter.streamBytes(forCodecBytes: 0, encoding: .l16) == 0)
    }

    @Test func pcmuToMuLawIsPassthrough() {
        #expect(toStream(allCodes, codec: .pcmu, encoding: .mulaw) == allCodes)
    }

    @Test func pcmaToMuLawUsesTheTranscodingTable() {
        #expect(toStream(allCodes, codec: .pcma, encoding: .mulaw) == allCodes.map(G711.aLawToMuLaw))
    }

    @Test(arguments: [AudioCodec.pcmu, .pcma], L16ByteOrder.allCases)
    func g711ToL16MatchesTheDecoder(codec: AudioCodec, byteOrder: L16ByteOrder) {
        let expected = allCodes.flatMap { bytes(decode($0, codec), byteOrder) }
        #expect(toStream(allCodes, codec: codec, encoding: .l16, byteOrder: byteOrder) == expected)
    }

    /// Hand-written from the G.711 reconstruction values (times 4 for µ-law, 8 for A-law).
    @Test func l16ByteOrderVectors() {
        // µ-law 0x00 → -32124 = 0x8284; 0x80 → +32124 = 0x7D7C; 0xFF → 0.
        #expect(toStream([0x00, 0x80, 0xFF], codec: .pcmu, encoding: .l16, byteOrder: .big) == [
            0x82, 0x84, 0x7D, 0x7C, 0x00, 0x00,
        ])
        #expect(toStream([0x00, 0x80, 0xFF], codec: .pcmu, encoding: .l16, byteOrder: .little) == [
            0x84, 0x82, 0x7C, 0x7D, 0x00, 0x00,
        ])
        // A-law 0xD5 → +8 = 0x0008; 0xAA → +32256 = 0x7E00; 0x2A → -32256 = 0x8200.
        #expect(toStream([0xD5, 0xAA, 0x2A], codec: .pcma, encoding: .l16, byteOrder: .big) == [
            0x00, 0x08, 0x7E, 0x00, 0x82, 0x00,
        ])
        #expect(toStream([0xD5, 0xAA, 0x2A], codec: .pcma, encoding: .l16, byteOrder: .little) == [
            0x08, 0x00, 0x00, 0x7E, 0x00, 0x82,
        ])
    }

    @Test func muLawToPCMUIsPassthroughAndToPCMAUsesTheTable() {
        #expect(toCodec(allCodes, encoding: .mulaw, codec: .pcmu, samples: 256) == allCodes)
        #expect(toCodec(allCodes, encoding: .mulaw, codec: .pcma, samples: 256) == allCodes.map(G711.muLawToALaw))
    }

    @Test(arguments: [AudioCodec.pcmu, .pcma], L16ByteOrder.allCases)
    func l16ToG711MatchesTheEncoder(codec: AudioCodec, byteOrder: L16ByteOrder) {
        let input = sampleSweep.flatMap { bytes($0, byteOrder) }
        let output = toCodec(input, encoding: .l16, byteOrder: byteOrder, codec: codec, samples: sampleSweep.count)
        #expect(output == sampleSweep.map { encode($0, codec) })
    }

    /// The same bytes read in the other order are different samples: the byte order is honoured.
    @Test func l16ByteOrderIsHonouredOnInput() {
        let bigEndian = bytes(8, .big)  // 0x00 0x08
        #expect(toCodec(bigEndian, encoding: .l16, byteOrder: .big, codec: .pcma, samples: 1) == [ALaw.encode(8)])
        let readAsLittle = toCodec(bigEndian, encoding: .l16, byteOrder: .little, codec: .pcma, samples: 1)
        #expect(readAsLittle == [ALaw.encode(0x0800)])
        #expect(ALaw.encode(8) != ALaw.encode(0x0800))
    }

    @Test(arguments: [AudioCodec.pcmu, .pcma], L16ByteOrder.allCases)
    func oddTrailingL16ByteIsIgnored(codec: AudioCodec, byteOrder: L16ByteOrder) {
        let input = bytes(1000, byteOrder) + bytes(-1000, byteOrder) + [0x7F]
        let output = toCodec(input, encoding: .l16, byteOrder: byteOrder, codec: codec, samples: 2)
        #expect(output == [encode(1000, codec), encode(-1000, codec)])
        #expect(toCodec([0x7F], encoding: .l16, byteOrder: byteOrder, codec: codec, samples: 0) == [])
    }

    @Test func emptyInputWritesNothing() {
        #expect(toStream([], codec: .pcma, encoding: .l16) == [])
        #expect(toStream([], codec: .pcmu, encoding: .mulaw) == [])
        #expect(toCodec([], encoding: .l16, codec: .pcmu, samples: 0) == [])
        #expect(toCodec([], encoding: .mulaw, codec: .pcma, samples: 0) == [])
    }

    /// G.711 → L16 → G.711 returns every code, in both byte orders. The one exception is
    /// µ-law 0x7F ("negative zero"), which decodes to the same 0 as 0xFF and so comes back as
    /// 0xFF; A-law has no zero level, so all 256 codes survive.
    @Test(arguments: [AudioCodec.pcmu, .pcma], L16ByteOrder.allCases)
    func everyCodeRoundTripsThroughL16(codec: AudioCodec, byteOrder: L16ByteOrder) {
        let linear = toStream(allCodes, codec: codec, encoding: .l16, byteOrder: byteOrder)
        let back = toCodec(linear, encoding: .l16, byteOrder: byteOrder, codec: codec, samples: 256)
        let expected = codec == .pcmu ? allCodes.map { $0 == 0x7F ? 0xFF : $0 } : allCodes
        let differing = allCodes.indices.filter { back[$0] != expected[$0] }
        #expect(differing.isEmpty, "\(codec) codes not round-tripping: \(differing.prefix(8))")
    }
}
