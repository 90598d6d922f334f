import Testing
@testable import SIPIngress

/// Tier 1: the RFC 4475 §3.1.1, §3.2, §3.3 and §3.4 vectors that must parse (INDEX.md "valid",
/// plus the "invalid" ones whose tolerated handling is to parse and ignore the defect). What
/// the user agent answers to each is asserted over loopback in `UserAgentTortureTests`.
@Suite struct RFC4475ValidTests {
    private func vector(_ name: String) throws -> SIPMessage {
        try TestMessages.parseFixture("rfc4475/\(name).dat")
    }

    @Test func wsinvShortTortuousInvite() throws {
        // §3.1.1.1: folding, LWS around separators, escaped quotes, leading zeros.
        let m = try vector("wsinv")
        #expect(m.method == .invite)
        #expect(m.requestURI?.text == "sip:vivekg@chair-dnrc.example.com;unknownparam")
        #expect(m.to.tag == "1918181833n")
        #expect(m.from.tag == "98asjd8")
        #expect(m.from.uri.user == "jdrosen")
        #expect(m.maxForwards == 68)
        #expect(m.cseq == CSeq(number: 9, method: .invite))
        #expect(m.callID == "wsinv.ndaksdj@192.0.2.1")
        #expect(m.vias.map(\.transport) == ["UDP", "TCP", "UDP"])
        #expect(m.vias.map(\.branch) == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
        #expect(m.vias[0].hasMagicCookie == false)
        #expect(m.contentType == "application/sdp")
        #expect(m.body.count == 150)
        #expect(m.header("NewFangledHeader")?.hasPrefix("newfangled value") == true)
        #expect(m.header("NewFangledHeader")?.hasSuffix("continued newfangled value") == true)
        #expect(m.header("UnknownHeaderWithUnusualValue") == ";;,,;;,;")
        // No magic cookie: the transaction is keyed the RFC 2543 way (RFC 3261 §17.2.3).
        #expect(TransactionKey(m).branch.hasPrefix("2543|"))
    }

    @Test func esc01PercentEscapes() throws {
        // §3.1.1.3: %HH in user parts decodes once; `value%2541` stays distinct from `valueA`.
        let m = try vector("esc01")
        #expect(m.from.uri.user == "I have spaces")
        #expect(m.requestURI?.user == "sips:user@example.com")
        #expect(m.contacts.first?.text.contains("name=value%2541") == true)
        #expect(m.body.count == 150)
    }

    @Test func escnullKeepsBothContacts() throws {
        // §3.1.1.4: %00 in user parts must not break the parser or shorten the user part;
        // two distinct Contacts.
        let m = try vector("escnull")
        #expect(m.method == .register)
        #expect(m.to.uri.user == "null-\u{0}-null")
        #expect(m.from.uri.user == "null-\u{0}-null")
        #expect(m.contacts.map(\.uri.user) == ["\u{0}", "\u{0}\u{0}"])
        // What the bridge echoes in a response is the URI as sent, escaped.
        #expect(m.to.text == "<sip:null-%00-null@example.com>")
        #expect(m.from.text == "<sip:null-%00-null@example.com>;tag=839923423")
        #expect(m.contacts.map(\.uri.text) == ["sip:%00@host5.example.com", "sip:%00%00@host5.example.com"])
        let answer = MessageFactory.response(to: m, status: 405, toTag: "b1", sourceHost: nil, sourcePort: nil).wireText
        #expect(answer.contains("\r\nFrom: <sip:null-%00-null@example.com>;tag=839923423\r\n"))
        #expect(answer.contains("\r\nTo: <sip:null-%00-null@example.com>;tag=b1\r\n"))
    }

    @Test func esc02PercentIsNotAnEscapeInMethod() throws {
        // §3.1.1.5: the method is literally RE%47IST%45R (not REGISTER); c%6fntact is not Contact.
        let m = try vector("esc02")
        #expect(m.method == SIPMethod(rawValue: "RE%47IST%45R"))
        #expect(m.method != .register)
        #expect(m.contacts.map(\.uri.user) == ["alias1", "alias3"])
        #expect(m.header("c%6fntact") == "<sip:alias2@host2.example.com>")
        #expect(m.from.text.hasPrefix("\"%Z%45\""))
    }

    @Test func lwsdispNoSpaceBeforeAngle() throws {
        let m = try vector("lwsdisp")  // §3.1.1.6
        #expect(m.method == .options)
        #expect(m.from.uri.user == "caller")
        #expect(m.from.tag == "323")
    }

    @Test func longreqLongValues() throws {
        // §3.1.1.7: long values are kept whole, 34 Via values.
        let m = try vector("longreq")
        #expect(m.vias.count == 34)
        #expect(m.vias.last?.parameter("received") == .some("192.0.2.5"))
        #expect(m.callID.count == 141)
        #expect(m.callID.hasSuffix("reallylongcallid"))
        #expect(m.from.tag?.count == 155)
        #expect(m.from.uri.user?.count == 115)
        #expect(m.to.text.contains("extremeextremeextremeextremeextremeextremeextremeextremeextremeextreme proportion"))
        #expect(m.body.count == 150)
    }

    @Test func dblreqOnlyFirstMessage() throws {
        // §3.1.1.8: Content-Length 0 frames the REGISTER; the trailing INVITE octets are ignored.
        let m = try vector("dblreq")
        #expect(m.method == .register)
        #expect(m.body.isEmpty)
        #expect(m.cseq.method == .register)
    }

    @Test func semiuriUserWithSemicolon() throws {
        let m = try vector("semiuri")  // §3.1.1.9
        #expect(m.requestURI?.user == "user;par=u@example.net")
        #expect(m.requestURI?.host == "example.com")
    }

    @Test func transportsVariedViaTransports() throws {
        let m = try vector("transports")  // §3.1.1.10
        #expect(m.vias.map(\.transport) == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
        #expect(m.vias.first?.host == "t1.example.com")
    }

    @Test func mpart01MultipartIsFramed() throws {
        // §3.1.1.11: a binary multipart body (with NUL bytes) framed by Content-Length.
        let m = try vector("mpart01")
        #expect(m.method == SIPMethod(rawValue: "MESSAGE"))
        #expect(m.contentType?.hasPrefix("multipart/mixed") == true)
        #expect(m.header("User-Agent") == "SIPimp.org/0.2.5 (curses)")
    }

    @Test func unreasonUnusualReasonPhrase() throws {
        let m = try vector("unreason")  // §3.1.1.12
        #expect(m.startLine == .response(status: 200, reason: "= 2**3 * 5**2 но сто девяносто девять - простое"))
    }

    @Test func noreasonEmptyReasonPhrase() throws {
        let m = try vector("noreason")  // §3.1.1.13
        #expect(m.startLine == .response(status: 100, reason: ""))
    }

    @Test func badbranchDegenerateBranch() throws {
        // §3.2.1: `branch=z9hG4bK` alone identifies nothing; fall back to RFC 2543 matching.
        let m = try vector("badbranch")
        #expect(m.vias.first?.branch == "z9hG4bK")
        #expect(TransactionKey(m).branch == "2543|badbranch.sadonfo23i420jv0as0derf3j3n|33242|8")
    }

    @Test func unkscmUnknownRequestURIScheme() throws {
        let m = try vector("unkscm")  // §3.3.2
        #expect(m.requestURI?.scheme == "nobodyKnowsThisScheme")
        #expect(m.to.uri.user == "user")
    }

    @Test func unksm2UnknownSchemesInHeaders() throws {
        let m = try vector("unksm2")  // §3.3.4
        #expect(m.from.uri.scheme == "http")
        #expect(m.to.uri.scheme == "isbn")
        #expect(m.contacts.map(\.uri.scheme) == ["name"])
    }

    @Test func bext01RequireHeadersKept() throws {
        let m = try vector("bext01")  // §3.3.5
        // Each option tag, whether the field arrived as one list or as several fields.
        #expect(m.headerValues("Require") == ["nothingSupportsThis", "nothingSupportsThisEither"])
    }

    @Test func invutUnknownContentType() throws {
        let m = try vector("invut")  // §3.3.6
        #expect(m.contentType == "application/unknownformat")
        #expect(m.body.count == 40)
    }

    @Test func regaut01UnknownAuthorizationScheme() throws {
        let m = try vector("regaut01")  // §3.3.7
        #expect(m.header("Authorization") == "NoOneKnowsThisScheme")
    }

    @Test func bcastBroadcastVia() throws {
        let m = try vector("bcast")  // §3.3.10
        #expect(m.statusCode == 200)
        #expect(m.vias.map(\.host) == ["192.0.2.198", "255.255.255.255"])
    }

    @Test func zeromfMaxForwardsZero() throws {
        let m = try vector("zeromf")  // §3.3.11
        #expect(m.maxForwards == 0)
    }

    @Test func cparamContactParameterVersusURIParameter() throws {
        // §3.3.12 / §3.3.13: outside <> a contact-param, inside <> a URI parameter.
        let outside = try vector("cparam01")
        let inside = try vector("cparam02")
        #expect(outside.contacts.map(\.text) == ["<sip:+19725552222@gw1.example.net>;unknownparam"])
        #expect(outside.contacts.first?.uri.text == "sip:+19725552222@gw1.example.net")
        #expect(inside.contacts.first?.uri.text == "sip:+19725552222@gw1.example.net;unknownparam")
    }

    @Test func regescrtEscapedHeaderInContact() throws {
        let m = try vector("regescrt")  // §3.3.14
        #expect(m.contacts.first?.uri.text == "sip:user@example.com?Route=%3Csip:sip.example.com%3E")
        #expect(m.routes.isEmpty)
    }

    @Test func sdp01AcceptKept() throws {
        let m = try vector("sdp01")  // §3.3.15
        #expect(m.header("Accept") == "text/nobodyKnowsThis")
        #expect(m.contentType == "application/sdp")
    }

    @Test func inv2543LegacySyntax() throws {
        // §3.4.1: no branch, no From tag, no Max-Forwards, no Content-Length (body = rest).
        let m = try vector("inv2543")
        #expect(m.vias.first?.branch == nil)
        #expect(m.from.tag == nil)
        #expect(m.maxForwards == nil)
        #expect(m.body.count == 105)
        #expect(TransactionKey(m).branch == "2543|inv2543.1717@ift.client.example.com||56")
    }

    @Test func toleratedDefectsParseWithoutEffect() throws {
        // Invalid per RFC 4475 but tolerated: the defect is ignored, never turned into meaning.
        let escruri = try vector("escruri")  // §3.1.2.11: the escaped Route stays in the URI
        #expect(escruri.requestURI?.text.contains("?Route=%3Csip:example.com%3E") == true)
        #expect(escruri.routes.isEmpty)
        let baddate = try vector("baddate")  // §3.1.2.12: Date is not interpreted
        #expect(baddate.header("Date")?.hasSuffix("EST") == true)
        let regbadct = try vector("regbadct")  // §3.1.2.13: brackets inferred
        #expect(regbadct.contacts.count == 1)
        #expect(regbadct.routes.isEmpty)
    }

    @Test(arguments: ["mismatch01", "mismatch02"])
    func cseqMismatchParses(name: String) throws {
        // §3.1.2.17 / §3.1.2.18: syntactically fine; the user agent rejects the mismatch.
        let m = try vector(name)
        #expect(m.cseq.method == .invite)
        #expect(m.method != .invite)
    }
}
