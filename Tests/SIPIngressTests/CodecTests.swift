import Testing
@testable import SIPIngress

/// Tier 1: `OSIPCodec.parseMessage` on hand-written messages (RFC 3261 §7, §20).
@Suite struct CodecTests {
    @Test func inviteWithSDPHasTypedFields() throws {
        let invite = try TestMessages.parsedInvite()

        #expect(invite.method == .invite)
        #expect(invite.requestURI?.text == "sip:+15550100@bridge.example.com")
        #expect(invite.requestURI?.user == "+15550100")
        #expect(invite.requestURI?.host == "bridge.example.com")
        #expect(invite.requestURI?.port == nil)

        try #require(invite.vias.count == 2)
        let top = invite.vias[0]
        #expect(top.transport == "UDP")
        #expect(top.host == "192.0.2.10")
        #expect(top.port == 5062)
        #expect(top.branch == "z9hG4bK776asdhds")
        #expect(top.hasMagicCookie)
        #expect(top.parameter("rport") == .some(nil))  // a flag, RFC 3581 §3
        #expect(top.parameter("received") == .none)
        #expect(invite.vias[1].parameter("received") == .some("203.0.113.50"))
        #expect(invite.vias[1].port == nil)

        #expect(invite.from.text == "\"Alice\" <sip:alice@example.com>;tag=1928301774")
        #expect(invite.from.tag == "1928301774")
        #expect(invite.from.uri.user == "alice")
        #expect(invite.to.tag == nil)
        #expect(invite.to.uri.user == "+15550100")
        #expect(invite.callID == "a84b4c76e66710@pc33.example.com")
        #expect(invite.cseq == CSeq(number: 314_159, method: .invite))
        #expect(invite.contacts.map(\.text) == ["<sip:alice@192.0.2.10:5062>"])
        #expect(invite.contacts.first?.uri.port == 5062)
        #expect(invite.recordRoutes.map(\.text) == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        #expect(invite.routes.isEmpty)
        #expect(invite.maxForwards == 69)
        #expect(invite.contentType == "application/sdp")
        #expect(invite.body == Array(TestMessages.offerSDP.utf8))
    }

    @Test func responseHasStatusReasonAndToTag() throws {
        let text = TestMessages.text([
            "SIP/2.0 180 Ringing",
            "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKbye1;rport=5060;received=198.51.100.1",
            "From: <sip:bridge@198.51.100.1>;tag=abc",
            "To: \"Alice\" <sip:alice@example.com>;tag=xyz",
            "Call-ID: r1@example.com",
            "CSeq: 7 BYE",
            "Record-Route: <sip:p1.example.com;lr>",
        ])
        let response = try TestMessages.parse(text)

        #expect(response.startLine == .response(status: 180, reason: "Ringing"))
        #expect(response.statusCode == 180)
        #expect(response.method == nil)
        #expect(response.requestURI == nil)
        #expect(response.to.tag == "xyz")
        #expect(response.from.tag == "abc")
        #expect(response.cseq == CSeq(number: 7, method: .bye))
        #expect(response.vias.first?.parameter("rport") == .some("5060"))
        #expect(response.recordRoutes.count == 1)
        #expect(response.maxForwards == nil)
        #expect(response.body.isEmpty)
    }

    @Test func compactHeaderFormsAreRecognised() throws {
        // RFC 3261 §7.3.3: v, f, t, i, m, c, l (and k for Supported, kept as an other header).
        let body = TestMessages.offerSDP
        let text = [
            "INVITE sip:bob@example.com SIP/2.0",
            "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKcompact",
            "f: <sip:alice@example.com>;tag=c1",
            "t: <sip:bob@example.com>",
            "i: compact-1@example.com",
            "CSeq: 1 INVITE",
            "m: <sip:alice@192.0.2.1>",
            "c: application/sdp",
            "k: timer",
            "s: compact subject",
            "l: \(body.utf8.count)",
            "",
            body,
        ].joined(separator: "\r\n")
        let invite = try TestMessages.parse(text)

        #expect(invite.vias.first?.branch == "z9hG4bKcompact")
        #expect(invite.from.tag == "c1")
        #expect(invite.to.uri.user == "bob")
        #expect(invite.callID == "compact-1@example.com")
        #expect(invite.contacts.first?.uri.host == "192.0.2.1")
        #expect(invite.contentType == "application/sdp")
        #expect(invite.header("Supported") == "timer")
        #expect(invite.header("Subject") == "compact subject")
        #expect(invite.body == Array(body.utf8))
    }

    @Test func multipartBodyYieldsItsSDPPart() throws {
        // RFC 5621: the SDP part of a multipart/mixed body is the offer the bridge reads.
        let sdp = TestMessages.offerSDP
        let body = [
            "--boundary42",
            "Content-Type: text/plain",
            "",
            "not for us",
            "--boundary42",
            "Content-Type: application/sdp",
            "",
            sdp + "--boundary42--",
            "",
        ].joined(separator: "\r\n")
        let text = TestMessages.text(
            [
                "INVITE sip:bob@example.com SIP/2.0",
                "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKmulti",
                "From: <sip:alice@example.com>;tag=m1",
                "To: <sip:bob@example.com>",
                "Call-ID: multipart-1@example.com",
                "CSeq: 1 INVITE",
                "Content-Type: multipart/mixed;boundary=boundary42",
            ], body: body)
        let invite = try TestMessages.parse(text)

        #expect(invite.contentType == "application/sdp")
        let offer = try OSIPCodec.parseSessionDescription(invite.body)
        #expect(offer.media.first?.port == 49170)
        #expect(String(decoding: invite.body, as: UTF8.self).hasPrefix("v=0\r\n"))
        #expect(!String(decoding: invite.body, as: UTF8.self).contains("not for us"))
    }

    @Test func ipv6HostsAreUnbracketedAndPortsKept() throws {
        // RFC 5118 §4.4 / RFC 3261 §25.1: `[addr]:port` in URIs and Via sent-by.
        let text = TestMessages.text([
            "OPTIONS sip:bob@[2001:db8::10]:5080 SIP/2.0",
            "Via: SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKv6;received=2001:db8::9:255",
            "From: <sip:alice@[2001:db8::9:1]>;tag=v6",
            "To: <sip:bob@[2001:db8::10]>",
            "Call-ID: v6-1@example.com",
            "CSeq: 1 OPTIONS",
            "Contact: <sip:alice@[2001:db8::9:1]:5070>",
            "Max-Forwards: 70",
        ])
        let options = try TestMessages.parse(text)

        #expect(options.requestURI?.host == "2001:db8::10")
        #expect(options.requestURI?.port == 5080)
        #expect(options.vias.first?.host == "2001:db8::9:1")
        #expect(options.vias.first?.port == 5070)
        #expect(options.vias.first?.description == "SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKv6;received=2001:db8::9:255")
        #expect(options.from.uri.host == "2001:db8::9:1")
        #expect(options.contacts.first?.uri.port == 5070)
        #expect(LocalEndpoint(host: "2001:db8::1", port: 5060).contact.text == "<sip:sipbridge@[2001:db8::1]:5060>")
    }

    @Test func headersThatLibosipTypesStayInOtherHeaders() throws {
        // RFC 3261 §7.3: every header reaches `otherHeaders`, also those libosip2 keeps in lists.
        let text = TestMessages.text([
            "OPTIONS sip:bob@example.com SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKother",
            "From: <sip:alice@example.com>;tag=o1",
            "To: <sip:bob@example.com>",
            "Call-ID: other-1@example.com",
            "CSeq: 1 OPTIONS",
            "Accept: application/sdp",
            "Allow: INVITE",
            "Authorization: Digest username=\"alice\"",
            "Subject: hello",
        ])
        let options = try TestMessages.parse(text)

        #expect(options.header("accept") == "application/sdp")
        #expect(options.header("Allow") == "INVITE")
        #expect(options.header("Authorization")?.hasPrefix("Digest") == true)
        #expect(options.header("Subject") == "hello")
        #expect(options.header("Warning") == nil)
    }

    @Test(arguments: [
        ("Content-Length: -1", "negative Content-Length, RFC 3261 §20.14"),
        ("Max-Forwards: 256", "Max-Forwards above 255, RFC 3261 §20.22"),
        ("Max-Forwards: many", "non-numeric Max-Forwards"),
    ])
    func badScalarsAreRejected(header: String, why: String) {
        let text = [
            "OPTIONS sip:bob@example.com SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKscalar",
            "From: <sip:alice@example.com>;tag=s1",
            "To: <sip:bob@example.com>",
            "Call-ID: scalar-1@example.com",
            "CSeq: 1 OPTIONS",
            header,
            "",
            "",
        ].joined(separator: "\r\n")
        #expect(throws: SIPIngressError.self, "\(why)") { try TestMessages.parse(text) }
    }

    @Test func missingMandatoryHeaderIsA400() {
        let text = TestMessages.text([
            "OPTIONS sip:bob@example.com SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnocallid",
            "From: <sip:alice@example.com>;tag=n1",
            "To: <sip:bob@example.com>",
            "CSeq: 1 OPTIONS",
        ])
        #expect(throws: SIPIngressError.missingHeader("Call-ID")) { try TestMessages.parse(text) }
        #expect(SIPIngressError.missingHeader("Call-ID").statusCode == 400)
    }

    @Test func foreignVersionIs505() {
        let text = TestMessages.text([
            "OPTIONS sip:bob@example.com SIP/3.0",
            "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKversion",
            "From: <sip:alice@example.com>;tag=v1",
            "To: <sip:bob@example.com>",
            "Call-ID: version-1@example.com",
            "CSeq: 1 OPTIONS",
        ])
        #expect(throws: SIPIngressError.versionNotSupported) { try TestMessages.parse(text) }
        #expect(SIPIngressError.versionNotSupported.statusCode == 505)
    }

    @Test func garbageIsMalformed() {
        #expect(throws: SIPIngressError.self) { try TestMessages.parse("hello world\r\n\r\n") }
        #expect(throws: SIPIngressError.self) { try TestMessages.parse([UInt8]()) }
    }
}

/// The name-addr text the bridge renders itself (as `osip_from_to_str` would) and the
/// allocation-free header list scans.
@Suite struct NameAddressTextTests {
    private let message = [
        "OPTIONS sip:b@example.com SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx",
        "From: Bob <sip:bob@example.com;user=phone>;tag=77;lr",
        "To: sip:b@example.com",
        "Call-ID: c1",
        "CSeq: 1 OPTIONS",
        "Contact: \"A B\" <sip:ab@192.0.2.1:5070;transport=tcp>;expires=60",
        "Supported: Timer , 100rel",
        "k: path",
        "Allow: INVITE,update",
        "Content-Length: 0",
        "", "",
    ].joined(separator: "\r\n")

    @Test("display name, <uri>, then flag and valued parameters in order")
    func rendering() throws {
        let parsed = try TestMessages.parse(Array(message.utf8))
        #expect(parsed.from.text == "Bob <sip:bob@example.com;user=phone>;tag=77;lr")
        #expect(parsed.from.tag == "77")
        #expect(parsed.to.text == "<sip:b@example.com>")
        #expect(parsed.to.tag == nil)
        #expect(parsed.contacts.map(\.text) == ["\"A B\" <sip:ab@192.0.2.1:5070;transport=tcp>;expires=60"])
    }

    @Test("a name-addr's URI text is its part of the name-addr's text, equal to a URI parsed alone")
    func uriInsideTheNameAddress() throws {
        let parsed = try TestMessages.parse(Array(message.utf8))
        #expect(parsed.from.uri.text == "sip:bob@example.com;user=phone")
        #expect(parsed.to.uri.text == "sip:b@example.com")
        #expect(parsed.contacts.first?.uri.text == "sip:ab@192.0.2.1:5070;transport=tcp")
        #expect(parsed.contacts.first?.uri.port == 5070)
        let alone = SIPURI(text: "sip:b@example.com", scheme: "sip", user: "b", host: "example.com", port: nil)
        #expect(parsed.to.uri == alone)
        #expect(parsed.to.uri.hashValue == alone.hashValue)
        #expect(parsed.from.uri != alone)
        var changed = parsed.from.uri
        changed.text = "sip:carol@example.com"
        #expect(changed.text == "sip:carol@example.com")
        #expect(parsed.from.uri.text == "sip:bob@example.com;user=phone")
        // The user and host are read from the name-addr's text; new text keeps them.
        #expect(parsed.from.uri.user == "bob" && parsed.from.uri.host == "example.com")
        #expect(parsed.contacts.first?.uri.user == "ab" && parsed.contacts.first?.uri.host == "192.0.2.1")
        #expect(changed.user == "bob" && changed.host == "example.com")
        changed.user = "carol"
        changed.host = "example.org"
        #expect(changed.user == "carol" && changed.host == "example.org" && changed.text == "sip:carol@example.com")
        #expect(parsed.requestURI?.user == "b" && parsed.requestURI?.host == "example.com")
    }

    @Test("an escaped URI and a display name that is not UTF-8 keep the URI text right")
    func uriTextOffTheFastPath() throws {
        var bytes = Array(message.utf8)
        let escaped = Array("From: Bob <sip:b%40b@example.com>;tag=77".utf8)
        let from = try #require(bytes.firstRange(of: Array("From: Bob <sip:bob@example.com;user=phone>;tag=77;lr".utf8)))
        bytes.replaceSubrange(from, with: escaped)
        var parsed = try TestMessages.parse(bytes)
        #expect(parsed.from.uri.text == "sip:b%40b@example.com")
        #expect(parsed.from.text == "Bob <sip:b%40b@example.com>;tag=77")

        let contact = try #require(bytes.firstRange(of: Array("A B".utf8)))
        bytes.replaceSubrange(contact, with: [UInt8(ascii: "A"), 0xFF, 0xFE, UInt8(ascii: "B")])
        parsed = try TestMessages.parse(bytes)
        #expect(parsed.contacts.first?.uri.text == "sip:ab@192.0.2.1:5070;transport=tcp")
        #expect(parsed.contacts.first?.text.hasPrefix("\"A\u{FFFD}") == true)
        #expect(parsed.contacts.first?.text.hasSuffix("B\" <sip:ab@192.0.2.1:5070;transport=tcp>;expires=60") == true)
    }

    @Test("list headers are matched by full or compact name, element by element, case folded")
    func listScans() throws {
        let parsed = try TestMessages.parse(Array(message.utf8))
        #expect(parsed.header("Supported", compact: "k", lists: "timer"))
        #expect(parsed.header("Supported", compact: "k", lists: "PATH"))
        #expect(parsed.header("supported", lists: "100rel"))
        #expect(!parsed.header("Supported", compact: "k", lists: "tim"))
        #expect(parsed.header("Allow", lists: "UPDATE"))
        // Elements trimmed, empty ones skipped, letters in any case; never a part of an element.
        for (value, token, listed) in [
            ("  ,timer ,, replaces\t", "timer", true), ("  ,timer ,, replaces\t", "REPLACES", true), ("a,", "", false),
            ("", "timer", false), ("timers, xtimer", "timer", false), (" , ", "", false), ("100rel,timer", "timer", true),
        ] {
            #expect(HeaderFieldScan.lists(value, token.utf8) == listed, "\(value) \(token)")
        }
        #expect(!parsed.header("Require", lists: "timer"))
        #expect(parsed.headerValues("Supported", compact: "k") == ["Timer", "100rel", "path"])
        #expect("  a b\t\r\n".trimmingSpaces() == "a b")
    }
}
