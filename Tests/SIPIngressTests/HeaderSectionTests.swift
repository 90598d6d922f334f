import Testing
@testable import SIPIngress

/// `HeaderSection`: the fields libosip2 does not interpret read in place, the others handed to it
/// one by one (RFC 3261 §7.3), and every header section that is not plain left whole.
@Suite struct HeaderSectionTests {
    /// The split of `text`: the fields handed to libosip2 (as `name: value` lines, `name:` for
    /// no value) and the fields read, or nil.
    private func split(_ text: String) -> (kept: [String], fields: UninterpretedFields)? {
        layout(text).map { ($0.kept, $0.fields) }
    }

    /// The split of `text` with its layout; `refusing` names a field libosip2 is to refuse.
    private func layout(
        _ text: String, refusing: String? = nil
    ) -> (kept: [String], fields: UninterpretedFields, layout: HeaderSection.Layout)? {
        let bytes = Array(text.utf8)
        var fields = UninterpretedFields()
        var kept: [String] = []
        var scratch = [UInt8](repeating: 0xFF, count: bytes.count)
        let layout = bytes.withUnsafeBytes { message in
            scratch.withUnsafeMutableBytes { out in
                HeaderSection.split(message, scratch: out, fields: &fields) { _, name, value in
                    kept.append(String(cString: name) + ":" + (value.map { " " + String(cString: $0) } ?? ""))
                    return String(cString: name) != refusing
                }
            }
        }
        guard let layout else { return nil }
        return (kept, fields, layout)
    }

    /// The text of `range` in `text`'s bytes.
    private func text(_ text: String, _ range: Range<Int>?) -> String? {
        range.map { String(decoding: Array(text.utf8)[$0], as: UTF8.self) }
    }

    @Test func adjacentViaLinesAreFoundInAnyCaseAndCompactForm() throws {
        let vias = ["Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKhs1", "VIA : SIP/2.0/TCP p;branch=z9hG4bK2", "v: SIP/2.0/UDP q"]
        let message = TestMessages.text(["OPTIONS sip:b@example.com SIP/2.0"] + vias + dialog)
        let found = try #require(layout(message))
        #expect(text(message, found.layout.viaLines) == vias.map { $0 + "\r\n" }.joined())
        // Vias with another field between them are not copied as lines (rendered instead).
        let apart = TestMessages.text(["OPTIONS sip:b@example.com SIP/2.0", vias[0], "Max-Forwards: 70", vias[1]] + dialog)
        #expect(try #require(layout(apart)).layout.viaLines == nil)
    }

    @Test func theStartLineAndTheBodyAreFound() throws {
        let message = TestMessages.text(start + dialog + ["Content-Type: application/sdp"], body: "v=0\r\n")
        let found = try #require(layout(message)).layout
        #expect(text(message, 0..<found.startLineEnd) == start[0])
        #expect(text(message, found.bodyStart..<message.utf8.count) == "v=0\r\n")
    }

    @Test func valuesAreTrimmedAndAnEmptyOneIsNoneAsForLibosip() throws {
        let (kept, _) = try #require(split(TestMessages.text(start + dialog + ["s:", "s:  \t ", "Call-Info : \t<sip:x> ;a=b\t "])))
        #expect(kept.suffix(4) == ["s:", "s: ", "Call-Info: <sip:x> ;a=b", "Content-Length: 0"])
    }

    @Test func aFieldLibosipRefusesStopsTheSplit() throws {
        let message = TestMessages.text(start + dialog + ["Contact: <sip:a@192.0.2.10>"])
        #expect(layout(message) != nil)
        #expect(layout(message, refusing: "Contact") == nil)
    }

    private let start = ["INVITE sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKhs1"]
    private let dialog = ["From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>", "Call-ID: hs1", "CSeq: 1 INVITE"]

    @Test func extensionFieldsAreReadAndLeftOut() throws {
        let text = TestMessages.text(
            start + ["Max-Forwards: 69"] + dialog + [
                "P-Asserted-Identity: <sip:+14155550100@198.51.100.30>", "Allow: INVITE, ACK, BYE",
                "Supported: replaces, timer", "X-Spaced  :   a b \t", "X-Empty:", "Content-Type: application/sdp",
            ], body: "v=0\r\n")
        let (kept, fields) = try #require(split(text))
        #expect(kept == start.dropFirst() + dialog + ["Content-Type: application/sdp", "Content-Length: 5"])
        #expect(
            fields.headers == [
                SIPHeader("p-asserted-identity", "<sip:+14155550100@198.51.100.30>"), SIPHeader("Allow", "INVITE, ACK, BYE"),
                SIPHeader("supported", "replaces, timer"), SIPHeader("x-spaced", "a b"), SIPHeader("x-empty", ""),
            ])
        #expect(fields.maxForwards == 69)
        #expect(!fields.badMaxForwards)
    }

    @Test func namesAreLowerCasedAsLibosipStoresThem() throws {
        let (_, fields) = try #require(split(TestMessages.text(start + dialog + ["USER-Agent: x", "X-Tenant-ID: 7"])))
        #expect(fields.headers == [SIPHeader("user-agent", "x"), SIPHeader("x-tenant-id", "7")])
    }

    @Test func compactFormsAndTypedFieldsStayWithLibosip() throws {
        let typed = [
            "k: timer", "s: hello", "Accept: application/sdp", "WWW-Authenticate: Digest realm=\"x\"",
            "content-length: 0", "RECORD-ROUTE: <sip:p.example.com;lr>",
        ]
        let (kept, fields) = try #require(split((start + dialog + typed + ["", ""]).joined(separator: "\r\n")))
        #expect(kept == start.dropFirst() + dialog + typed)
        #expect(fields.headers.isEmpty)
    }

    @Test func libosipsTypedNamesAreKnownInAnyCase() {
        let names = [
            "to", "via", "cseq", "from", "route", "accept", "call-id", "contact", "call-info", "alert-info", "error-info",
            "content-type", "record-route", "mime-version", "authorization", "content-length", "accept-encoding",
            "accept-language", "content-encoding", "www-authenticate", "proxy-authenticate", "authentication-info",
            "proxy-authorization", "proxy-authentication-info", "v", "X",
        ]
        for name in names + names.map({ $0.uppercased() }) {
            #expect(Array(name.utf8).withUnsafeBytes(HeaderSection.interpretedByOSIP), "\(name)")
        }
        for name in ["allow", "supported", "max-forwards", "session-expires", "tox", "vias", "x-via", "user-agent"] {
            #expect(!Array(name.utf8).withUnsafeBytes(HeaderSection.interpretedByOSIP), "\(name)")
        }
    }

    @Test(arguments: [
        ("a folded field", "INVITE sip:b@example.com SIP/2.0\r\nSubject: a\r\n b\r\nCall-ID: 1\r\n\r\n"),
        ("a bare LF", "INVITE sip:b@example.com SIP/2.0\r\nX-A: 1\nCall-ID: 1\r\n\r\n"),
        ("a bare LF ending the start line", "INVITE sip:b@example.com SIP/2.0\nX-A: 1\r\n\r\n"),
        ("a bare CR", "INVITE sip:b@example.com SIP/2.0\r\nX-A: 1\rX-B: 2\r\n\r\n"),
        ("a NUL in a field", "INVITE sip:b@example.com SIP/2.0\r\nX-A: 1\u{0}2\r\n\r\n"),
        ("a line without a colon", "INVITE sip:b@example.com SIP/2.0\r\nX-A 1\r\n\r\n"),
        ("an empty name", "INVITE sip:b@example.com SIP/2.0\r\n: 1\r\n\r\n"),
        ("a name that is not a token", "INVITE sip:b@example.com SIP/2.0\r\nX A: 1\r\n\r\n"),
        ("no empty line", "INVITE sip:b@example.com SIP/2.0\r\nX-A: 1\r\n"),
        ("a line end first", "\r\nINVITE sip:b@example.com SIP/2.0\r\nX-A: 1\r\n\r\n"),
        ("nothing", ""),
    ])
    func sectionsThatAreNotPlainAreLeftWhole(_ why: String, _ text: String) {
        #expect(split(text) == nil, "\(why)")
    }

    @Test func aBodyMayHoldAnyByte() throws {
        let text = TestMessages.text(start + dialog + ["X-A: 1", "Content-Type: application/octet-stream"], body: "\u{0}\n\r: x")
        let found = try #require(layout(text))
        #expect(self.text(text, found.layout.bodyStart..<text.utf8.count) == "\u{0}\n\r: x")
        #expect(found.fields.headers == [SIPHeader("x-a", "1")])
    }

    @Test(arguments: ["Max-Forwards: 256", "Max-Forwards: x", "Max-Forwards:", "Max-Forwards: 70\r\nmax-forwards: 70"])
    func aBadMaxForwardsIsRefusedOnEitherPath(_ field: String) {
        // After the split, and whole (a folded field sends the message to libosip2 as it is).
        for extra in [[], ["Subject: a", " b"]] {
            #expect(throws: SIPIngressError.missingHeader("Max-Forwards")) {
                try TestMessages.parse(TestMessages.text(start + [field] + dialog + extra))
            }
        }
    }

    @Test func bothPathsGiveTheSameMessage() throws {
        // The debug build's check (`OSIPCodec.checkSplit`) on a carrier INVITE, made explicit.
        let headers = start + ["Max-Forwards: 69"] + dialog + [
            "Contact: <sip:a@192.0.2.10:5060>", "P-Asserted-Identity: \"Smith, J\" <sip:a@example.com>, <tel:+1555>",
            "Allow: INVITE,ACK , BYE", "Require: timer", "Supported: 100rel, timer", "Session-Expires: 1800;refresher=uac",
            "User-Agent: Carrier, SBC 4.2", "Content-Type: application/sdp",
        ]
        let body = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
        let bytes = Array(TestMessages.text(headers, body: body).utf8)
        let messages = try bytes.withUnsafeBytes { raw in
            try OSIPArena.withArena { () throws(SIPIngressError) in
                (try OSIPCodec.parseInArena(raw), try OSIPCodec.parseInArena(raw, splitting: false))
            }
        }
        var (split, whole) = messages
        #expect(split.maxForwards == 69)
        #expect(split.headerValues("Supported") == whole.headerValues("Supported"))
        #expect(split.headerValues("Allow") == ["INVITE", "ACK", "BYE"])
        #expect(whole.headerValues("Allow") == ["INVITE", "ACK", "BYE"])
        #expect(split.header("User-Agent") == "Carrier, SBC 4.2")
        #expect(split.header("P-Asserted-Identity") == "\"Smith, J\" <sip:a@example.com>, <tel:+1555>")
        #expect(split.otherHeaders.count == 6)
        (split.otherHeaders, whole.otherHeaders) = ([], [])
        #expect(split.wireText == whole.wireText)
    }
}

extension HeaderSectionTests {
    @Test func tokenCharactersAreRFC3261s() {
        let token = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(HeaderFieldScan.isTokenCharacter(byte) == token.contains(byte), "\(byte)")
        }
    }
}
