import Foundation
import Testing

@testable import Transcode

/// G.722 against reference vectors produced by spandsp 0.0.6 (`Fixtures/g722/`, made by
/// `Fixtures/g722/generate.c`; see `Fixtures/README.md`).
@Suite struct G722VectorTests {
    @Test func encoderReproducesSpandspBitstream() throws {
        let input = try G722Fixture.input()
        let expected = try G722Fixture.encoded()
        var encoder = G722Encoder()
        #expect(G722Fixture.differences(encoder.encode(input), expected, "octets") == nil)
    }

    /// spandsp 0.0.6 truncates the receive QMF's output to 16 bits where it should limit it,
    /// so overloaded passages wrap to the opposite sign there. The decoder must equal spandsp
    /// at every sample before that last step (unclamped, truncated), and its public output
    /// must be the clamped value, which differs from spandsp exactly at those samples. The
    /// counts pin how many samples of the fixture overflow in each mode.
    @Test(arguments: [
        (G722Decoder.Mode.mode1, "decoded_64k", 428),
        (.mode2, "decoded_56k", 436),
        (.mode3, "decoded_48k", 473),
    ])
    func decoderReproducesSpandspOutput(mode: G722Decoder.Mode, file: String, overflowCount: Int) throws {
        let octets = try G722Fixture.encoded()
        let expected = try G722Fixture.samples(file)

        var unclampedDecoder = G722Decoder(mode: mode)
        var truncated: [Int16] = []
        var clamped: [Int16] = []
        for octet in octets {
            let (first, second) = unclampedDecoder.decodeUnclamped(octet)
            truncated += [Int16(truncatingIfNeeded: first), Int16(truncatingIfNeeded: second)]
            clamped += [Int16(clamping: first), Int16(clamping: second)]
        }
        #expect(G722Fixture.differences(truncated, expected, "\(mode), unclamped and truncated") == nil)

        var decoder = G722Decoder(mode: mode)
        let decoded = decoder.decode(octets)
        #expect(G722Fixture.differences(decoded, clamped, "\(mode), public output vs clamped") == nil)
        let overflowed = mismatches(decoded, expected)
        let overflowedCount = overflowed.count
        #expect(overflowedCount == overflowCount)
        let allAtTheLimits = overflowed.allSatisfy { decoded[$0] == .max || decoded[$0] == .min }
        #expect(allAtTheLimits)
    }

    /// Modes 2 and 3 take one or two low bits of every octet for auxiliary data (G.722 §1.1):
    /// scrambling them must not change the audio; in mode 1 it must.
    @Test func modes2And3IgnoreTheAuxiliaryDataBits() throws {
        let octets = try G722Fixture.encoded()
        let data = octets.indices.map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 >> 3) }
        let cases: [(G722Decoder.Mode, UInt8)] = [(.mode2, 0x01), (.mode3, 0x03), (.mode1, 0x03)]
        for (mode, dataMask) in cases {
            let scrambled = zip(octets, data).map { $0 ^ ($1 & dataMask) }
            var plain = G722Decoder(mode: mode)
            var withData = G722Decoder(mode: mode)
            let differing = mismatches(plain.decode(octets), withData.decode(scrambled)).count
            #expect((differing == 0) == (mode != .mode1), "\(mode): \(differing) samples differ")
        }
    }
}

/// The G.722 reference vectors in `Fixtures/g722/`.
enum G722Fixture {
    /// Samples in `input_16k.bin` and each `decoded_*.bin` (1.75 s at 16 kHz).
    static let sampleCount = 28000

    /// The test signal: silence, a chirp, speech-like bursts, full-scale squares, two tones,
    /// low-level noise, a DC step and silence again.
    static func input() throws -> [Int16] { try samples("input_16k") }

    /// spandsp's 64 kbit/s encoding of `input()`.
    static func encoded() throws -> [UInt8] { try bytes("encoded_64k", count: sampleCount / 2) }

    /// `Fixtures/g722/<name>.bin`, required to be exactly `count` bytes long.
    static func bytes(_ name: String, count: Int) throws -> [UInt8] {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "bin", subdirectory: "Fixtures/g722"),
            "missing fixture g722/\(name).bin"
        )
        let bytes = [UInt8](try Data(contentsOf: url))
        try #require(bytes.count == count, "g722/\(name).bin has \(bytes.count) bytes, want \(count)")
        return bytes
    }

    /// `Fixtures/g722/<name>.bin` read as `sampleCount` little-endian 16-bit samples.
    static func samples(_ name: String) throws -> [Int16] {
        let bytes = try self.bytes(name, count: 2 * sampleCount)
        return (0..<sampleCount).map { index in
            Int16(bitPattern: UInt16(bytes[2 * index]) | UInt16(bytes[2 * index + 1]) << 8)
        }
    }

    /// `nil` when `actual == expected`, else what differs: the number of differing elements
    /// and the first few indices rather than both arrays (`#expect(differences(...) == nil)`
    /// prints it on failure).
    static func differences<T: Equatable>(_ actual: [T], _ expected: [T], _ what: String) -> String? {
        let bad = mismatches(actual, expected)
        guard !bad.isEmpty else { return nil }
        return "\(what): \(bad.count) elements differ (counts \(actual.count), \(expected.count)), first at \(bad.prefix(8))"
    }
}

/// Array conveniences for tests. Each checks that the codec wrote exactly the count it
/// returned by filling the output with a guard value one element longer than needed.
extension G722Encoder {
    mutating func encode(_ samples: [Int16]) -> [UInt8] {
        let expected = octetCount(forSampleCount: samples.count)
        var output = [UInt8](repeating: 0xA5, count: expected + 1)
        let written = samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { encode(input, into: $0) }
        }
        #expect(written == expected)
        #expect(output[written...].allSatisfy { $0 == 0xA5 }, "wrote past the returned count")
        return Array(output[..<written])
    }
}

extension G722Decoder {
    mutating func decode(_ octets: [UInt8]) -> [Int16] {
        var output = [Int16](repeating: 12345, count: 2 * octets.count + 1)
        let written = octets.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { decode(input, into: $0) }
        }
        #expect(written == 2 * octets.count)
        #expect(output[written...].allSatisfy { $0 == 12345 }, "wrote past the returned count")
        return Array(output[..<written])
    }
}
