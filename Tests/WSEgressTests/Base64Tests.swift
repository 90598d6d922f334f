import Foundation
import NIOCore
import Testing
import TestSupport

@testable import WSEgress

/// RFC 4648 §10 test vectors.
private let rfc4648Vectors: [(plain: String, encoded: String)] = [
    ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
    ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
]

private func encoded(_ bytes: [UInt8]) -> String {
    var out = ByteBuffer()
    bytes.withUnsafeBytes { Base64.encode($0, into: &out) }
    return out.text
}

private func decoded(_ ascii: String) throws(Base64DecodingError) -> [UInt8] {
    var out = ByteBuffer()
    try Base64.decode(buffer(ascii), into: &out)
    return out.bytes
}

@Suite("Base64 (RFC 4648 §4)")
struct Base64Tests {
    @Test("RFC 4648 §10 vectors encode through every overload", arguments: rfc4648Vectors)
    func encodeVectors(plain: String, encoded expected: String) {
        let bytes = Array(plain.utf8)
        #expect(encoded(bytes) == expected)

        var fromCollection = ByteBuffer()
        Base64.encode(bytes, into: &fromCollection)
        #expect(fromCollection.text == expected)

        // A lazy map has no contiguous storage: exercises the iterator path.
        var fromLazy = ByteBuffer()
        Base64.encode(bytes.lazy.map { $0 }, into: &fromLazy)
        #expect(fromLazy.text == expected)

        var source = buffer([0xAA] + bytes)
        source.moveReaderIndex(forwardBy: 1)
        var fromBuffer = ByteBuffer()
        Base64.encode(source, into: &fromBuffer)
        #expect(fromBuffer.text == expected)
        #expect(source.readerIndex == 1)
    }

    @Test("RFC 4648 §10 vectors decode, padded and unpadded", arguments: rfc4648Vectors)
    func decodeVectors(plain: String, encoded: String) throws {
        #expect(try decoded(encoded) == Array(plain.utf8))
        let unpadded = String(encoded.filter { $0 != "=" })
        #expect(try decoded(unpadded) == Array(plain.utf8))
    }

    @Test("random inputs of every length 0…300 agree with Foundation")
    func randomAgainstFoundation() throws {
        var rng = SplitMix64(seed: 0x5EED_0001)
        for length in 0...300 {
            let bytes = rng.bytes(length)
            let ours = encoded(bytes)
            #expect(ours == Data(bytes).base64EncodedString(), "length \(length)")
            #expect(ours.utf8.count == Base64.encodedLength(length))
            #expect(Data(base64Encoded: ours).map(Array.init) == bytes, "Foundation decodes ours, length \(length)")
            #expect(try decoded(ours) == bytes, "length \(length)")
            #expect(try decoded(String(ours.filter { $0 != "=" })) == bytes, "unpadded, length \(length)")
            #expect(Base64.maximumDecodedLength(ours.utf8.count) >= length)
            // MIME-style line breaks (RFC 2045 §6.8) are skipped.
            let wrapped = Data(bytes).base64EncodedString(options: [.lineLength64Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            #expect(try decoded(wrapped) == bytes, "wrapped, length \(length)")
        }
    }

    @Test("decoding in place (destination aliases source) is correct")
    func decodeInPlace() throws {
        var rng = SplitMix64(seed: 0x5EED_0002)
        for length in 0...300 {
            let bytes = rng.bytes(length)
            var text = Array(Data(bytes).base64EncodedString().utf8)
            let count = try text.withUnsafeMutableBytes { (space) throws(Base64DecodingError) -> Int in
                try Base64.decode(UnsafeRawBufferPointer(space), to: space)
            }
            #expect(Array(text[..<count]) == bytes, "length \(length)")
        }
    }

    @Test("encodedLength and maximumDecodedLength")
    func lengths() {
        #expect([0, 1, 2, 3, 4, 160, 320, 640, 960].map(Base64.encodedLength) == [0, 4, 4, 4, 8, 216, 428, 856, 1280])
        #expect([0, 1, 2, 3, 4, 216, 1280].map(Base64.maximumDecodedLength) == [0, 0, 1, 2, 3, 162, 960])
    }

    @Test("accepted lenient forms")
    func lenientForms() throws {
        #expect(try decoded("Zm9v\r\nYmFy") == Array("foobar".utf8))
        #expect(try decoded("Zg==\r\n") == Array("f".utf8))
        #expect(try decoded("\nZ\ng\n=\n=") == Array("f".utf8))
        #expect(try decoded("Zm8") == Array("fo".utf8))
        // Non-zero pad bits (RFC 4648 §3.5 "MAY reject") are accepted and dropped.
        #expect(try decoded("Zh==") == Array("f".utf8))
        #expect(try decoded(String(repeating: "/", count: 216)) == [UInt8](repeating: 0xFF, count: 162))
    }

    @Test(
        "invalid input is rejected with the offending offset",
        arguments: [
            ("Zm9v!", Base64DecodingError.invalidCharacter(at: 4)),
            (" Zm9v", .invalidCharacter(at: 0)),
            ("Zm9v\t", .invalidCharacter(at: 4)),
            ("Zm-_", .invalidCharacter(at: 2)),
            ("Zm9v\u{0}", .invalidCharacter(at: 4)),
            ("Zm9vé", .invalidCharacter(at: 4)),
            ("Z", .invalidLength),
            ("Zm9vZ", .invalidLength),
            ("=", .invalidPadding(at: 0)),
            ("Z=", .invalidPadding(at: 1)),
            ("Zg=", .invalidPadding(at: 3)),
            ("Zg===", .invalidPadding(at: 4)),
            ("Zm9=v", .invalidPadding(at: 4)),
            ("Zg==Zg==", .invalidPadding(at: 4)),
            ("Zm9v=", .invalidPadding(at: 4)),
            ("Zg=a", .invalidPadding(at: 3)),
            ("====", .invalidPadding(at: 0)),
        ]
    )
    func rejects(input: String, error: Base64DecodingError) {
        // Not cross-checked with Foundation: on Linux it accepts some of these (e.g. "Zg=a",
        // "===="), which RFC 4648 §3.3 and §4 do not allow.
        #expect(throws: error) { try decoded(input) }
    }

    @Test("decode appends, and leaves the writer index alone on error")
    func appendAndRollback() throws {
        var out = buffer("xy")
        try Base64.decode(buffer("Zm9v"), into: &out)
        #expect(out.text == "xyfoo")
        #expect(throws: Base64DecodingError.invalidCharacter(at: 8)) {
            try Base64.decode(buffer("Zm9vYmFy*A=="), into: &out)
        }
        #expect(out.text == "xyfoo")
    }

    @Test("encode appends after existing content")
    func encodeAppends() {
        var out = buffer("p:")
        Base64.encode(Array("foobar".utf8), into: &out)
        #expect(out.text == "p:Zm9vYmFy")
    }

    @Test("error descriptions and offsets")
    func errorDescriptions() {
        #expect(Base64DecodingError.invalidCharacter(at: 3).offset == 3)
        #expect(Base64DecodingError.invalidLength.offset == nil)
        #expect(Base64DecodingError.invalidPadding(at: 7).description.contains("7"))
        #expect(Base64DecodingError.invalidPadding(at: 7) != .invalidCharacter(at: 7))
    }
}
