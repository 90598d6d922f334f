import Testing
import Transcode

/// ITU-T G.711 µ-law against the `audioop` golden files.
@Suite struct MuLawTests {
    @Test func decodeMatchesFixtureForAll256Codes() throws {
        let expected = try Fixture.int16LittleEndian("mulaw_decode", count: 256)
        let decoded = Fixture.allCodes.map(MuLaw.decode)
        let bad = mismatches(decoded, expected)
        #expect(bad.isEmpty, "codes decoding differently: \(bad.prefix(8))")
    }

    @Test func encodeMatchesFixtureForEvery16BitSample() throws {
        let expected = try Fixture.bytes("mulaw_encode_sweep", count: 65536)
        let encoded = Fixture.allSamples.map(MuLaw.encode)
        let bad = mismatches(encoded, expected).map { $0 + Int(Int16.min) }
        #expect(bad.isEmpty, "\(bad.count) samples encode differently, e.g. \(bad.prefix(8))")
    }

    @Test func conventionAnchors() {
        #expect(MuLaw.decode(0x00) == -32124)
        #expect(MuLaw.decode(0x80) == 32124)
        #expect(MuLaw.decode(0xFF) == 0)
        #expect(MuLaw.decode(0x7F) == 0)
        #expect(MuLaw.decode(0x7E) == -8)
        // Clipping to the codec's range.
        #expect(MuLaw.encode(.max) == 0x80)
        #expect(MuLaw.encode(.min) == 0x00)
        // audioop's 16 -> 14-bit reduction is an arithmetic shift: -1 >> 2 == -1 (magnitude 1).
        #expect(MuLaw.encode(-1) == 0x7E)
    }

    /// encode(decode(c)) == c for every code except 0x7F: 0x7F ("negative zero") and 0xFF both
    /// decode to 0, which encodes to 0xFF.
    @Test func roundTripHoldsForAllCodesButNegativeZero() {
        let failing = Fixture.allCodes.filter { MuLaw.encode(MuLaw.decode($0)) != $0 }
        #expect(failing == [0x7F])
        #expect(MuLaw.encode(MuLaw.decode(0x7F)) == 0xFF)
    }

    @Test func silenceIsTheCodecSilenceCode() {
        #expect(MuLaw.encode(0) == AudioCodec.pcmu.silenceCode)
        #expect(MuLaw.decode(AudioCodec.pcmu.silenceCode) == 0)
    }

    @Test func bufferEncodeEqualsScalarEncode() throws {
        let expected = try Fixture.bytes("mulaw_encode_sweep", count: 65536)
        let scalar = Fixture.allSamples.map(MuLaw.encode)
        // One spare element checks that nothing beyond the input count is written.
        var buffered = [UInt8](repeating: 0x5A, count: Fixture.allSamples.count + 1)
        Fixture.allSamples.withUnsafeBufferPointer { samples in
            buffered.withUnsafeMutableBufferPointer { MuLaw.encode(samples, into: $0) }
        }
        #expect(buffered.last == 0x5A)
        #expect(mismatches(Array(buffered.dropLast()), scalar).isEmpty)
        #expect(mismatches(Array(buffered.dropLast()), expected).isEmpty)
    }

    @Test func bufferDecodeEqualsScalarDecode() throws {
        let expected = try Fixture.int16LittleEndian("mulaw_decode", count: 256)
        let scalar = Fixture.allCodes.map(MuLaw.decode)
        var buffered = [Int16](repeating: 12345, count: 257)
        Fixture.allCodes.withUnsafeBufferPointer { codes in
            buffered.withUnsafeMutableBufferPointer { MuLaw.decode(codes, into: $0) }
        }
        #expect(buffered.last == 12345)
        #expect(Array(buffered.dropLast()) == scalar)
        #expect(Array(buffered.dropLast()) == expected)
    }

    @Test func bufferEncodeRejectsShortOutput() async {
        await #expect(processExitsWith: .failure) {
            let samples: [Int16] = [0, 1, 2]
            var codes = [UInt8](repeating: 0, count: 2)
            samples.withUnsafeBufferPointer { input in
                codes.withUnsafeMutableBufferPointer { MuLaw.encode(input, into: $0) }
            }
        }
    }
}
