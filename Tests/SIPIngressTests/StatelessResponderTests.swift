import Testing
@testable import SIPIngress

/// Tier 1: the stateless 400 for datagrams libosip2 cannot parse (RFC 3261 §8.2.6.2: the five
/// headers are copied; RFC 4475 §3.1.2.19: a response is never answered).
@Suite struct StatelessResponderTests {
    private func reply(_ text: String, status: Int = 400, reason: String = "Bad Request") -> String? {
        StatelessResponder.badRequest(for: Array(text.utf8), status: status, reason: reason)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func longFormHeadersAreCopiedInOrder() {
        let request = [
            "INVITE sip:bob@example.com SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa",
            "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb",
            "Max-Forwards: 70",
            "From: <sip:alice@example.com>;tag=1",
            "To: <sip:bob@example.com>",
            "Call-ID: broken@example.com",
            "CSeq: 1 INVITE",
            "Content-Length: lots",
            "",
            "",
        ].joined(separator: "\r\n")
        #expect(reply(request) == [
            "SIP/2.0 400 Bad Request",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa",
            "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKb",
            "From: <sip:alice@example.com>;tag=1",
            "To: <sip:bob@example.com>",
            "Call-ID: broken@example.com",
            "CSeq: 1 INVITE",
            "Server: sipbridge",
            "Content-Length: 0",
            "",
            "",
        ].joined(separator: "\r\n"))
    }

    @Test func compactFormsWithBareLineFeeds() {
        // RFC 3261 §7.3.3 compact names; LF-only line ends are tolerated by the scanner.
        let request = "OPTIONS sip:bob@example.com SIP/2.0\nv: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc\n"
            + "f:<sip:alice@example.com>;tag=2\nt:  <sip:bob@example.com>  \ni: compact@example.com\n"
            + "CSeq: 9 OPTIONS\n\n"
        #expect(reply(request, reason: "Malformed Header") == [
            "SIP/2.0 400 Malformed Header",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKc",
            "From: <sip:alice@example.com>;tag=2",
            "To: <sip:bob@example.com>",
            "Call-ID: compact@example.com",
            "CSeq: 9 OPTIONS",
            "Server: sipbridge",
            "Content-Length: 0",
            "",
            "",
        ].joined(separator: "\r\n"))
    }

    @Test func reasonIsSanitisedAndStatusChosen() {
        let request = "OPTIONS sip:b@example.com SIP/7.0\r\nVia: x\r\nFrom: f\r\nTo: t\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"
        #expect(reply(request, status: 505, reason: "Version\r\nInjected: yes")?.hasPrefix("SIP/2.0 505 VersionInjected: yes\r\nVia: x\r\n") == true)
    }

    @Test func responsesAreNeverAnswered() {
        let response = "SIP/2.0 200 OK\r\nVia: x\r\nFrom: f\r\nTo: t\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n"
        #expect(reply(response) == nil)
    }

    @Test(arguments: ["Via", "CSeq"])
    func withoutViaOrCSeqThereIsNoResponse(missing: String) {
        // Nowhere to send it, or nothing the client could match it with (§17.1.3).
        let headers = ["Via: x", "From: f", "To: t", "Call-ID: c", "CSeq: 1 INVITE"].filter { !$0.hasPrefix(missing + ":") }
        let request = (["INVITE sip:b@example.com SIP/2.0"] + headers + ["", ""]).joined(separator: "\r\n")
        #expect(reply(request) == nil)
    }

    @Test(arguments: ["From", "To", "Call-ID"])
    func aMissingDialogHeaderStillGets400(missing: String) {
        // RFC 4475 §3.3.1 (insuf): answered 400 with the headers that are there.
        let headers = ["Via: x", "From: f", "To: t", "Call-ID: c", "CSeq: 1 INVITE"].filter { !$0.hasPrefix(missing + ":") }
        let request = (["INVITE sip:b@example.com SIP/2.0"] + headers + ["", ""]).joined(separator: "\r\n")
        let expected = ["SIP/2.0 400 Bad Request"] + headers + ["Server: sipbridge", "Content-Length: 0", "", ""]
        #expect(reply(request) == expected.joined(separator: "\r\n"))
    }

    @Test func headersAfterTheBlankLineDoNotCount() {
        let request = "INVITE sip:b@example.com SIP/2.0\r\nVia: x\r\nFrom: f\r\nTo: t\r\nCall-ID: c\r\n\r\nCSeq: 1 INVITE\r\n"
        #expect(reply(request) == nil)
    }

    @Test func emptyValuesDoNotCount() {
        let request = "INVITE sip:b@example.com SIP/2.0\r\nVia: x\r\nFrom: f\r\nTo: t\r\nCall-ID: c\r\nCSeq:   \r\n\r\n"
        #expect(reply(request) == nil)
    }

    @Test func foreignRequestURISchemesAreRecognised() {
        let scheme = { (line: String) in StatelessResponder.foreignScheme(in: Array((line + "\r\nVia: x\r\n\r\n").utf8)) }
        #expect(scheme("OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0") == "soap.beep")  // RFC 4475 novelsc
        #expect(scheme("OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0") == "nobodyKnowsThisScheme")
        #expect(scheme("INVITE tel:+15551234 SIP/2.0") == "tel")
        #expect(scheme("INVITE sip:bob@example.com SIP/2.0") == nil)
        #expect(scheme("INVITE SIPS:bob@example.com SIP/2.0") == nil)
        #expect(scheme("INVITE 1abc:x SIP/2.0") == nil, "a scheme starts with a letter")
        #expect(scheme("INVITE so_ap:x SIP/2.0") == nil)
        #expect(scheme("SIP/2.0 200 OK") == nil)
        #expect(scheme("INVITE soap.beep://x") == nil, "no SIP-Version")
    }

    @Test func extensionMethodsAreRecognised() {
        let method = { (line: String) in StatelessResponder.extensionMethod(in: Array((line + "\r\nVia: x\r\n\r\n").utf8)) }
        // RFC 4475 §3.1.1.2 intmeth: every token character is legal in a method.
        #expect(method("!interesting-Method0123456789_*+`.%indeed'~ sip:a@example.com SIP/2.0") == "!interesting-Method0123456789_*+`.%indeed'~")
        #expect(method("RE%47IST%45R sip:a@example.com SIP/2.0") == "RE%47IST%45R")  // §3.1.1.5 esc02
        #expect(method("invite sip:a@example.com SIP/2.0") == "invite", "methods are case-sensitive")
        #expect(method("INVITE sip:a@example.com SIP/2.0") == nil)
        #expect(method("REGISTER sip:example.com SIP/2.0") == nil)
        #expect(method("BYE sip:a@example.com SIP/2.0") == nil)
        #expect(method("NEW(METHOD) sip:a@example.com SIP/2.0") == nil, "parentheses are separators, not token characters")
        #expect(method("NEWMETHOD sip:a@example.com") == nil, "no SIP-Version")
        #expect(method("SIP/2.0 501 Not Implemented") == nil)
    }

    @Test func aNotImplementedCarriesTheExtraHeaders() {
        let request = "FOO sip:b@example.com SIP/2.0\r\nVia: x\r\nCSeq: 1 FOO\r\n\r\n"
        let text = StatelessResponder.badRequest(
            for: Array(request.utf8), status: 501, reason: "Not Implemented", extraHeaders: [("Allow", "INVITE, BYE")]
        ).map { String(decoding: $0, as: UTF8.self) }
        #expect(text == "SIP/2.0 501 Not Implemented\r\nVia: x\r\nCSeq: 1 FOO\r\nAllow: INVITE, BYE\r\nServer: sipbridge\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func anUnparsableACKIsNeverAnswered() {
        // RFC 3261 §17.2.1: there is no response to an ACK, not even a 400.
        #expect(reply("ACK sip:b@example.com SIP/2.0\r\nVia: x\r\nCSeq: 1 ACK\r\n\r\n") == nil)
        #expect(reply("ACKNOWLEDGE sip:b@example.com SIP/2.0\r\nVia: x\r\nCSeq: 1 ACKNOWLEDGE\r\n\r\n") != nil)
    }

    @Test(arguments: ["", "garbage\r\n\r\n", "INVITE sip:b@example.com\r\nVia: x\r\n\r\n"])
    func garbageWithoutARequestLineIsDropped(text: String) {
        #expect(reply(text) == nil)
    }
}
