import NIOCore
import Testing
@testable import SIPIngress

/// Tier 1: `SIPMessage.write(into:)` byte for byte, for responses built by `MessageFactory`
/// (RFC 3261 §8.2.6, RFC 3581 §4) and in-dialog BYEs built by `Dialog` (RFC 3261 §12.2.1.1).
@Suite struct MessageWritingTests {
    private func wire(_ message: SIPMessage) -> [UInt8] {
        var buffer = ByteBuffer()
        message.write(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// The message as `write(into:)` writes it; `wireText` must say the same.
    private func written(_ message: SIPMessage, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let text = String(decoding: wire(message), as: UTF8.self)
        #expect(message.wireText == text, sourceLocation: sourceLocation)
        return text
    }

    /// Header lines as a bodiless message's wire text: CRLF after each, then the empty line.
    private func lines(_ lines: [String]) -> String {
        lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    @Test func responseWithRportGetsReceivedAndRportFilled() throws {
        // RFC 3581 §4: rport asked for → rport=<source port> and received=<source IP>, always.
        let invite = try TestMessages.parsedInvite()
        let response = MessageFactory.response(
            to: invite, status: 486, toTag: "bridgetag", sourceHost: "203.0.113.9", sourcePort: 40_000)
        #expect(written(response) == lines([
            "SIP/2.0 486 Busy Here",
            "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK776asdhds;rport=40000;received=203.0.113.9",
            "Via: SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKproxy1;received=203.0.113.50",
            "From: \"Alice\" <sip:alice@example.com>;tag=1928301774",
            "To: <sip:+15550100@bridge.example.com>;tag=bridgetag",
            "Call-ID: a84b4c76e66710@pc33.example.com",
            "CSeq: 314159 INVITE",
            "Server: sipbridge",
            "Content-Length: 0",
        ]))
    }

    @Test func trying100CarriesNoToTag() throws {
        // RFC 3261 §8.2.6.2: the tag goes on every response but 100 (Trying).
        let invite = try TestMessages.parsedInvite()
        let trying = MessageFactory.response(
            to: invite, status: 100, toTag: "bridgetag", sourceHost: "192.0.2.10", sourcePort: 5062)
        #expect(trying.to.tag == nil)
        #expect(written(trying) == lines([
            "SIP/2.0 100 Trying",
            "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK776asdhds;rport=5062;received=192.0.2.10",
            "Via: SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKproxy1;received=203.0.113.50",
            "From: \"Alice\" <sip:alice@example.com>;tag=1928301774",
            "To: <sip:+15550100@bridge.example.com>",
            "Call-ID: a84b4c76e66710@pc33.example.com",
            "CSeq: 314159 INVITE",
            "Server: sipbridge",
            "Content-Length: 0",
        ]))
    }

    @Test func withoutRportReceivedOnlyWhenHostDiffers() throws {
        // RFC 3261 §18.2.1: received is added when sent-by differs from the source address.
        let request = try TestMessages.parse(TestMessages.text([
            "OPTIONS sip:bridge.example.com SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKnorport",
            "From: <sip:alice@example.com>;tag=f1",
            "To: <sip:bridge.example.com>;tag=already",
            "Call-ID: norport@example.com",
            "CSeq: 2 OPTIONS",
        ]))
        let differs = MessageFactory.response(
            to: request, status: 200, toTag: "ignored", sourceHost: "203.0.113.9", sourcePort: 40_000)
        let same = MessageFactory.response(
            to: request, status: 200, toTag: "ignored", sourceHost: "192.0.2.10", sourcePort: 40_000)
        #expect(differs.vias[0].description == "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKnorport;received=203.0.113.9")
        #expect(same.vias[0].description == "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKnorport")
        // An existing To tag is kept (in-dialog request, RFC 3261 §12.2.2).
        #expect(differs.to.text == "<sip:bridge.example.com>;tag=already")
    }

    @Test func responseRoundTripsThroughTheCodec() throws {
        var ok = MessageFactory.response(
            to: try TestMessages.parsedInvite(), status: 200, toTag: "t9", sourceHost: "192.0.2.10", sourcePort: 5062)
        ok.contacts = [TestMessages.local.contact]
        ok.contentType = "application/sdp"
        ok.body = Array(TestMessages.offerSDP.utf8)
        let parsed = try TestMessages.parse(wire(ok))
        #expect(parsed.statusCode == 200)
        #expect(parsed.vias == ok.vias)
        #expect(parsed.to.tag == "t9")
        #expect(parsed.contacts.map(\.text) == ["<sip:sipbridge@198.51.100.1:5060>"])
        #expect(parsed.body == ok.body)
        #expect(parsed.header("Server") == "sipbridge")
    }

    @Test func byeOverLooseRouteSet() throws {
        // §12.2.1.1: first route has `lr` → Request-URI = remote target, Route = route set.
        var dialog = Dialog(invite: try TestMessages.parsedInvite(), localTag: "bridgetag", initialLocalSequence: 100)
        let bye = dialog.makeRequest(.bye, via: TestMessages.local.via(branch: "z9hG4bKbye1"), contact: TestMessages.local.contact)
        #expect(written(bye) == lines([
            "BYE sip:alice@192.0.2.10:5062 SIP/2.0",
            "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKbye1;rport",
            "Route: <sip:p1.example.com;lr>",
            "Route: <sip:p2.example.com;lr>",
            "Max-Forwards: 70",
            "From: <sip:+15550100@bridge.example.com>;tag=bridgetag",
            "To: \"Alice\" <sip:alice@example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.example.com",
            "CSeq: 101 BYE",
            "User-Agent: sipbridge",
            "Content-Length: 0",
        ]))
        // The next request takes the next CSeq.
        let second = dialog.makeRequest(.bye, via: TestMessages.local.via(branch: "z9hG4bKbye2"), contact: TestMessages.local.contact)
        #expect(second.cseq == CSeq(number: 102, method: .bye))
        #expect(dialog.localSequence == 102)
    }

    @Test func byeOverStrictRouteSet() throws {
        // §12.2.1.1: a strict first route becomes the Request-URI; the remote target goes last.
        let invite = try TestMessages.parsedInvite(recordRoutes: ["<sip:p1.example.com>", "<sip:p2.example.com;lr>"])
        var dialog = Dialog(invite: invite, localTag: "bridgetag", initialLocalSequence: 7)
        let bye = dialog.makeRequest(.bye, via: TestMessages.local.via(branch: "z9hG4bKbye3"), contact: TestMessages.local.contact)
        #expect(written(bye) == lines([
            "BYE sip:p1.example.com SIP/2.0",
            "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKbye3;rport",
            "Route: <sip:p2.example.com;lr>",
            "Route: <sip:alice@192.0.2.10:5062>",
            "Max-Forwards: 70",
            "From: <sip:+15550100@bridge.example.com>;tag=bridgetag",
            "To: \"Alice\" <sip:alice@example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.example.com",
            "CSeq: 8 BYE",
            "User-Agent: sipbridge",
            "Content-Length: 0",
        ]))
    }

    @Test func byeWithoutRouteSetGoesToTheContact() throws {
        var dialog = Dialog(invite: try TestMessages.parsedInvite(recordRoutes: []), localTag: "x", initialLocalSequence: 1)
        let bye = dialog.makeRequest(.bye, via: TestMessages.local.via(branch: "z9hG4bKbye4"), contact: TestMessages.local.contact)
        #expect(bye.requestURI?.text == "sip:alice@192.0.2.10:5062")
        #expect(bye.routes.isEmpty)
        #expect(bye.contacts.isEmpty)
    }

    @Test func dialogStateFromTheInvite() throws {
        // §12.1.1: the UAS's view of the dialog; From/To swap roles in its own requests.
        let dialog = Dialog(invite: try TestMessages.parsedInvite(), localTag: "bridgetag", initialLocalSequence: 5)
        #expect(dialog.callID == "a84b4c76e66710@pc33.example.com")
        #expect(dialog.localTag == "bridgetag")
        #expect(dialog.remoteTag == "1928301774")
        #expect(dialog.localAddress.text == "<sip:+15550100@bridge.example.com>;tag=bridgetag")
        #expect(dialog.remoteAddress.tag == "1928301774")
        #expect(dialog.remoteTarget.text == "sip:alice@192.0.2.10:5062")
        #expect(dialog.routeSet.map(\.text) == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        #expect(dialog.localSequence == 5)
        #expect(dialog.remoteSequence == 314_159)
    }
}

@Suite("Wire writing helpers")
struct WireWritingHelperTests {
    @Test("Via values write brackets around IPv6 hosts, the port and flag parameters")
    func viaWriting() {
        let via = Via(
            transport: "UDP", host: "2001:db8::9", port: 5070,
            parameters: [("branch", "z9hG4bK1"), ("rport", nil), ("received", "2001:db8::9")])
        #expect(via.description == "SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bK1;rport;received=2001:db8::9")
        #expect(Via(transport: "TCP", host: "h.example", port: nil, parameters: []).description == "SIP/2.0/TCP h.example")
    }
}
