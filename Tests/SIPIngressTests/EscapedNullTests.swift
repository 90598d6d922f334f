import Testing

@testable import SIPIngress

/// `%00` kept whole through libosip2 (RFC 4475 §3.1.1.4): the stand-in octet is one the
/// message does not use, and what comes back is what was sent.
@Suite struct EscapedNullTests {
    private func message(_ lines: [String], body: String = "") -> [UInt8] {
        Array((lines + ["Content-Length: \(body.utf8.count)", "", body]).joined(separator: "\r\n").utf8)
    }

    private func options(user: String, extra: [String] = [], body: String = "") -> [UInt8] {
        message(
            [
                "OPTIONS sip:\(user)@example.com SIP/2.0", "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKesc",
                "From: <sip:\(user)@example.com>;tag=1", "To: <sip:bridge@example.com>", "Call-ID: esc-1",
                "CSeq: 1 OPTIONS", "Max-Forwards: 70",
            ] + extra, body: body)
    }

    @Test func aMessageWithoutEscapedNullIsNotTouched() {
        options(user: "a%01b").withUnsafeBytes { #expect(EscapedNull($0) == nil) }
    }

    @Test func theStandInIsAnOctetTheMessageDoesNotUse() throws {
        // %01 and %02 (either case) and a raw 0x03 are taken: the stand-in is 0x04.
        let bytes = options(user: "x%00y", extra: ["X-A: %01 %0a", "X-B: \u{3}", "X-C: %02"])
        let guardian = try #require(bytes.withUnsafeBytes { EscapedNull($0) })
        #expect(guardian.substitute == 0x04)
        let substituted = bytes.withUnsafeBytes { guardian.substituted($0) }
        #expect(substituted.count == bytes.count)
        #expect(String(decoding: substituted, as: UTF8.self).contains("sip:x%04y@example.com"))
    }

    @Test func userPartsAndOtherValuesComeBackWhole() throws {
        let bytes = options(user: "null-%00-null", extra: ["X-Token: a%00b", "X-Raw: %01"])
        let m = try bytes.withUnsafeBytes { try SIPMessage(parsing: $0) }
        #expect(m.requestURI?.user == "null-\u{0}-null")
        #expect(m.requestURI?.text == "sip:null-%00-null@example.com")
        #expect(m.from.uri.user == "null-\u{0}-null")
        #expect(m.header("X-Token") == "a%00b")
        #expect(m.header("X-Raw") == "%01")  // an escape of the message's own stays as it was
    }

    @Test func theBodyKeepsItsEscapedNull() throws {
        let body = "v=0\r\ns=%00\r\n"
        let bytes = options(user: "a%00", extra: ["Content-Type: text/plain"], body: body)
        let m = try bytes.withUnsafeBytes { try SIPMessage(parsing: $0) }
        #expect(m.body == Array(body.utf8))
        #expect(m.from.uri.user == "a\u{0}")
    }
}
