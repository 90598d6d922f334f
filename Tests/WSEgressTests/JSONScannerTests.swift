import NIOCore
import Testing

@testable import WSEgress

/// Scans `text` as one top-level value and hands the scanner and token to `body`.
private func withToken<T>(
    _ text: String,
    _ body: (JSONScanner, JSONToken) -> T
) throws -> T {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBytes { raw in
        var scanner = JSONScanner(raw, maximumDepth: 8)
        let token = try scanner.scanValue(depth: 1)
        try scanner.expectEnd()
        return body(scanner, token)
    }
}

private func decoded(_ text: String) throws -> String? {
    try withToken(text) { scanner, token in
        guard case .string(let string) = token else { return nil }
        return scanner.decodeString(string)
    }
}

@Suite("JSONScanner (RFC 8259)")
struct JSONScannerTests {
    @Test(
        "strings decode every escape form to UTF-8",
        arguments: [
            (#""""#, ""), (#""abc""#, "abc"), (#""\"\\\/""#, "\"\\/"), (#""\b\f\n\r\t""#, "\u{8}\u{C}\n\r\t"),
            (#""\u0000""#, "\u{0}"), (#""\u0041\u00e9\u20AC""#, "Aé€"), (#""\uD83D\uDE00""#, "😀"),
            (#""\udbff\udfff""#, "\u{10FFFF}"), (#""x\u00e9y\ud83d\ude00z""#, "xéy😀z"), (#""é😀€""#, "é😀€"),
        ]
    )
    func strings(json: String, expected: String) throws {
        #expect(try decoded(json) == expected)
    }

    @Test("unescaping never needs more than the raw length")
    func unescapeBound() throws {
        // The worst cases: one-byte escapes and `\u` forms that become 1–4 bytes.
        for json in [#""\n\n\n""#, #""\u0041""#, #""\u07FF""#, #""\uFFFF""#, #""\uD83D\uDE00""#] {
            let fits = try withToken(json) { scanner, token -> Bool in
                guard case .string(let string) = token else { return false }
                return withUnsafeTemporaryAllocation(byteCount: string.rawCount, alignment: 1) { space in
                    scanner.unescape(string, into: space) <= string.rawCount
                }
            }
            #expect(fits, "\(json)")
        }
    }

    @Test(
        "valid numbers (RFC 8259 §6) span exactly their bytes",
        arguments: ["0", "-0", "7", "-12", "8000", "1.5", "-0.25", "1e9", "1E+2", "2.5e-3", "-1.0E-0", "123456789012345678901234567890"]
    )
    func numbers(text: String) throws {
        let range = try withToken(text) { _, token -> Range<Int>? in
            guard case .number(let range) = token else { return nil }
            return range
        }
        #expect(range == 0..<text.utf8.count)
    }

    @Test("invalid numbers", arguments: ["01", "1.", ".5", "-", "1e", "1e+", "+1", "0x1", "1.e5", "--1", "-a"])
    func invalidNumbers(text: String) {
        #expect(throws: StreamProtocolError.self) { try withToken(text) { _, _ in () } }
    }

    @Test("literals and containers are recognised and skipped")
    func literals() throws {
        #expect(try withToken("null") { _, token in if case .null(0) = token { true } else { false } })
        for text in ["true", "false", "[]", "{}", #"[1,"a",{"b":[null]}]"#, #" { "k" : [ true , false ] } "#] {
            let skipped = try withToken(text) { _, token in if case .other = token { true } else { false } }
            #expect(skipped, "\(text)")
        }
    }

    @Test("keys are matched by their unescaped value")
    func matches() throws {
        for (json, expected) in [(#""event""#, true), (#""\u0065vent""#, true), (#""even""#, false), (#""events""#, false), (#""Event""#, false)] {
            let result = try withToken(json) { scanner, token -> Bool in
                guard case .string(let string) = token else { return false }
                return scanner.matches(string, "event")
            }
            #expect(result == expected, "\(json)")
        }
    }

    @Test("a string's raw bytes are compared with a Swift string byte for byte")
    func rawBytesSpell() throws {
        let streamID = "6f1c2a4e-93b7-4d0a-8f55-0c9e7a1b2d3f"  // longer than a small string
        let cases: [(String, String, Bool)] = [
            (#""\#(streamID)""#, streamID, true), (#""\#(streamID)x""#, streamID, false),
            (#""\#(streamID.dropLast())""#, streamID, false), ("\"\"", "", true), ("\"\"", "a", false),
            (#""abc""#, "abd", false), (#""é""#, "é", true),
        ]
        for (json, text, expected) in cases {
            let result = try withToken(json) { scanner, token -> Bool in
                guard case .string(let string) = token else { return false }
                return scanner.rawBytes(of: string, spell: text)
            }
            #expect(result == expected, "\(json) against \(text)")
        }
    }
}

/// The eight-bytes-at-a-time string scan: for every byte value at every position of a word of
/// plain letters, the fast test says "plain" exactly when the byte needs no attention.
@Test func wordScanAgreesWithTheByteRules() {
    for position in 0..<8 {
        for value in 0...255 {
            var bytes = [UInt8](repeating: UInt8(ascii: "A"), count: 8)
            bytes[position] = UInt8(value)
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let plain = value >= 0x20 && value < 0x80 && value != 0x22 && value != 0x5C
            #expect(JSONScanner.isPlainASCII(word) == plain, "byte \(value) at \(position)")
        }
    }
    // Two special bytes in one word, and a word of the base64 alphabet.
    let mixed = Array("ab\"\u{1}cdef".utf8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    #expect(!JSONScanner.isPlainASCII(mixed))
    let base64 = Array("Zm9v+/==".utf8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    #expect(JSONScanner.isPlainASCII(base64))
}
