import Testing
import Transcode

/// A-law ⇄ µ-law transcoding tables against the `audioop` golden files.
@Suite struct G711TranscodeTests {
    @Test func aLawToMuLawMatchesFixture() throws {
        let expected = try Fixture.bytes("alaw_to_mulaw", count: 256)
        let bad = mismatches(Fixture.allCodes.map(G711.aLawToMuLaw), expected)
        #expect(bad.isEmpty, "A-law codes transcoding differently: \(bad.prefix(8))")
    }

    @Test func muLawToALawMatchesFixture() throws {
        let expected = try Fixture.bytes("mulaw_to_alaw", count: 256)
        let bad = mismatches(Fixture.allCodes.map(G711.muLawToALaw), expected)
        #expect(bad.isEmpty, "µ-law codes transcoding differently: \(bad.prefix(8))")
    }

    @Test func tablesAreTheComposedScalarCodecs() {
        for code in Fixture.allCodes {
            #expect(G711.aLawToMuLaw(code) == MuLaw.encode(ALaw.decode(code)), "A-law \(code)")
            #expect(G711.muLawToALaw(code) == ALaw.encode(MuLaw.decode(code)), "µ-law \(code)")
        }
    }

    /// µ-law silence (exact 0) maps to A-law silence, but A-law has no zero level: its
    /// silence code 0xD5 decodes to +8, which µ-law represents exactly as 0xFE.
    @Test func silenceCodes() {
        #expect(G711.muLawToALaw(AudioCodec.pcmu.silenceCode) == AudioCodec.pcma.silenceCode)
        #expect(G711.aLawToMuLaw(AudioCodec.pcma.silenceCode) == 0xFE)
        #expect(MuLaw.decode(0xFE) == ALaw.decode(AudioCodec.pcma.silenceCode))
    }

    @Test func inPlaceALawToMuLawMatchesFixture() throws {
        let expected = try Fixture.bytes("alaw_to_mulaw", count: 256)
        var buffer = Fixture.allCodes
        buffer.withUnsafeMutableBytes { G711.aLawToMuLaw($0) }
        #expect(buffer == expected)
    }

    @Test func inPlaceMuLawToALawMatchesFixture() throws {
        let expected = try Fixture.bytes("mulaw_to_alaw", count: 256)
        var buffer = Fixture.allCodes
        buffer.withUnsafeMutableBytes { G711.muLawToALaw($0) }
        #expect(buffer == expected)
    }

    @Test func inPlaceTranscodingTouchesOnlyTheGivenBytes() {
        var payload: [UInt8] = [0x55, 0xD5, 0xAA, 0x2A]
        payload.withUnsafeMutableBytes { bytes in
            G711.aLawToMuLaw(UnsafeMutableRawBufferPointer(rebasing: bytes[1..<3]))
        }
        #expect(payload == [0x55, G711.aLawToMuLaw(0xD5), G711.aLawToMuLaw(0xAA), 0x2A])
    }
}
