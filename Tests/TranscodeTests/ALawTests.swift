import Testing
import Transcode

/// ITU-T G.711 A-law against the `audioop` golden files.
@Suite struct ALawTests {
    @Test func decodeMatchesFixtureForAll256Codes() throws {
        let expected = try Fixture.int16LittleEndian("alaw_decode", count: 256)
        let decoded = Fixture.allCodes.map(ALaw.decode)
        let bad = mismatches(decoded, expected)
        #expect(bad.isEmpty, "codes decoding differently: \(bad.prefix(8))")
    }

    @Test func encodeMatchesFixtureForEvery16BitSample() throws {
        let expected = try Fixture.bytes("alaw_encode_sweep", count: 65536)
        let encoded = Fixture.allSamples.map(ALaw.encode)
        let bad = mismatches(encoded, expected).map { $0 + Int(Int16.min) }
        #expect(bad.isEmpty, "\(bad.count) samples encode differently, e.g. \(bad.prefix(8))")
    }

    @Test func conventionAnchors() {
        #expect(ALaw.decode(0xD5) == 8)
        #expect(ALaw.decode(0x55) == -8)
        #expect(ALaw.decode(0xAA) == 32256)
        #expect(ALaw.decode(0x2A) == -32256)
        // The whole 16-bit range lies inside A-law's range: the extremes take the outer codes.
        #expect(ALaw.encode(.max) == 0xAA)
        #expect(ALaw.encode(.min) == 0x2A)
        // The innermost step spans 16 units: 0 ... 15 -> 0xD5, mirrored (one's complement)
        // by -1 ... -16 -> 0x55.
        #expect(ALaw.encode(15) == 0xD5)
        #expect(ALaw.encode(16) == 0xD4)
        #expect(ALaw.encode(-16) == 0x55)
        #expect(ALaw.encode(-17) == 0x54)
    }

    /// A-law has no duplicate zero: every one of the 256 codes decodes to a distinct value,
    /// so encode(decode(c)) == c for all codes.
    @Test func roundTripHoldsForAllCodes() {
        let failing = Fixture.allCodes.filter { ALaw.encode(ALaw.decode($0)) != $0 }
        #expect(failing.isEmpty, "codes not round-tripping: \(failing)")
        #expect(Set(Fixture.allCodes.map(ALaw.decode)).count == 256)
    }

    @Test func silenceIsTheCodecSilenceCode() {
        #expect(ALaw.encode(0) == AudioCodec.pcma.silenceCode)
        #expect(ALaw.decode(AudioCodec.pcma.silenceCode) == 8)
    }

    @Test func bufferEncodeEqualsScalarEncode() throws {
        let expected = try Fixture.bytes("alaw_encode_sweep", count: 65536)
        let scalar = Fixture.allSamples.map(ALaw.encode)
        // One spare element checks that nothing beyond the input count is written.
        var buffered = [UInt8](repeating: 0x00, count: Fixture.allSamples.count + 1)
        Fixture.allSamples.withUnsafeBufferPointer { samples in
            buffered.withUnsafeMutableBufferPointer { ALaw.encode(samples, into: $0) }
        }
        #expect(buffered.last == 0x00)
        #expect(mismatches(Array(buffered.dropLast()), scalar).isEmpty)
        #expect(mismatches(Array(buffered.dropLast()), expected).isEmpty)
    }

    @Test func bufferDecodeEqualsScalarDecode() throws {
        let expected = try Fixture.int16LittleEndian("alaw_decode", count: 256)
        let scalar = Fixture.allCodes.map(ALaw.decode)
        var buffered = [Int16](repeating: 12345, count: 257)
        Fixture.allCodes.withUnsafeBufferPointer { codes in
            buffered.withUnsafeMutableBufferPointer { ALaw.decode(codes, into: $0) }
        }
        #expect(buffered.last == 12345)
        #expect(Array(buffered.dropLast()) == scalar)
        #expect(Array(buffered.dropLast()) == expected)
    }

    @Test func bufferDecodeRejectsShortOutput() async {
        await #expect(processExitsWith: .failure) {
            let codes: [UInt8] = [0xD5, 0x55]
            var samples = [Int16](repeating: 0, count: 1)
            codes.withUnsafeBufferPointer { input in
                samples.withUnsafeMutableBufferPointer { ALaw.decode(input, into: $0) }
            }
        }
    }
}
