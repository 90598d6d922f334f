import Testing
@testable import SIPIngress

/// `ResponseVias`: a response's Vias are the request's Via lines as they arrived, only the top
/// via-parm edited — `rport` filled in, `received` set or added (RFC 3261 §8.2.6.2, §18.2.1,
/// RFC 3581 §4) — and rendered from the parsed values when that via-parm is not plain.
@Suite struct ResponseViasTests {
    private let dialog = ["From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>", "Call-ID: rv1", "CSeq: 1 OPTIONS"]

    /// The response Vias for a request with these Via lines, from 203.0.113.9:6000.
    private func vias(_ lines: [String], host: String = "203.0.113.9") throws -> ResponseVias {
        let request = try TestMessages.parse(Array(TestMessages.text(["OPTIONS sip:b@example.com SIP/2.0"] + lines + dialog).utf8))
        return ResponseVias(request, sourceHost: host, sourcePort: 6000)
    }

    private func text(_ vias: ResponseVias) -> String? {
        vias.lines.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func rportIsFilledAndReceivedAddedToTheTopViaOnly() throws {
        let found = try vias(["Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK1;rport", "Via: SIP/2.0/UDP p;branch=z9hG4bK2;rport"])
        #expect(
            text(found)
                == "Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK1;rport=6000;received=203.0.113.9\r\n"
                + "Via: SIP/2.0/UDP p;branch=z9hG4bK2;rport\r\n")
        #expect(found.vias[0].parameter("rport") == .some("6000"))
        #expect(found.vias[0].parameter("received") == .some("203.0.113.9"))
        #expect(found.vias[1].parameter("received") == nil)
    }

    @Test func existingValuesAreReplacedKeepingNamesAndOrder() throws {
        let found = try vias(["Via: SIP/2.0/UDP a.example.com;Received=192.0.2.1;RPort=1;branch=z9hG4bK1"])
        #expect(text(found) == "Via: SIP/2.0/UDP a.example.com;Received=203.0.113.9;RPort=6000;branch=z9hG4bK1\r\n")
        let flag = try vias(["Via: SIP/2.0/UDP a.example.com;received;branch=z9hG4bK1"])
        #expect(text(flag) == "Via: SIP/2.0/UDP a.example.com;received=203.0.113.9;branch=z9hG4bK1\r\n")
    }

    @Test func linesAreCopiedUnchangedWhenNothingIsFixedUp() throws {
        let lines = ["v:  SIP/2.0/udp 203.0.113.9:5060;branch=z9hG4bK1", "Via: SIP/2.0/UDP p;branch=z9hG4bK2"]
        let found = try vias(lines)
        #expect(text(found) == lines.map { $0 + "\r\n" }.joined())
        #expect(found.vias[0].transport == "UDP")
    }

    @Test func onlyTheFirstValueOfACombinedLineIsEdited() throws {
        let found = try vias(["v: SIP/2.0/UDP a;branch=z9hG4bK1;rport, SIP/2.0/UDP b;branch=z9hG4bK2;rport"])
        #expect(text(found) == "v: SIP/2.0/UDP a;branch=z9hG4bK1;rport=6000;received=203.0.113.9, SIP/2.0/UDP b;branch=z9hG4bK2;rport\r\n")
        #expect(found.vias.count == 2)
    }

    @Test func anIPv6SentByAndSourceAreCopied() throws {
        let found = try vias(["Via: SIP/2.0/UDP [2001:db8::10]:5060;branch=z9hG4bK1;rport"], host: "2001:db8::9")
        #expect(text(found) == "Via: SIP/2.0/UDP [2001:db8::10]:5060;branch=z9hG4bK1;rport=6000;received=2001:db8::9\r\n")
    }

    @Test func aViaParmThatIsNotPlainIsRenderedFromItsValues() throws {
        for line in [
            "Via: SIP/2.0/UDP a ;branch=z9hG4bK1;rport", "Via: SIP/2.0/UDP a;branch=z9hG4bK1 ;rport",
            "Via: SIP/2.0/UDP a;branch=z9hG4bK1;x=\"q;r\";rport", "Via: SIP / 2.0 / UDP a;branch=z9hG4bK1;rport",
            "Via: SIP/2.0/UDP a;branch=z9hG4bK1;rport;", "Via: SIP/2.0/UDP a;rport;branch=",
        ] {
            let found = try #require(try? vias([line]), "\(line)")
            #expect(found.lines == nil, "\(line)")
            #expect(found.vias[0].parameter("rport") == .some("6000"), "\(line)")
            #expect(found.vias[0].parameter("received") == .some("203.0.113.9"), "\(line)")
        }
    }

    @Test func viasWithAnotherFieldBetweenThemAreRendered() throws {
        let request = try TestMessages.parse(
            Array(
                TestMessages.text(
                    ["OPTIONS sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP a;branch=z9hG4bK1;rport", "Max-Forwards: 70",
                     "Via: SIP/2.0/UDP b;branch=z9hG4bK2"] + dialog
                ).utf8))
        #expect(request.receivedViaLines == nil)
        let response = MessageFactory.response(to: request, status: 200, toTag: "t", sourceHost: "203.0.113.9", sourcePort: 6000)
        #expect(response.wireText.contains("Via: SIP/2.0/UDP a;branch=z9hG4bK1;rport=6000;received=203.0.113.9\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\n"))
    }

    @Test func aResponseWritesTheEditedLines() throws {
        let request = try TestMessages.parse(
            Array(TestMessages.text(["OPTIONS sip:b@example.com SIP/2.0", "v: SIP/2.0/udp a;rport;branch=z9hG4bK1"] + dialog).utf8))
        let response = MessageFactory.response(to: request, status: 200, toTag: "t", sourceHost: "203.0.113.9", sourcePort: 6000)
        #expect(response.wireText.hasPrefix("SIP/2.0 200 OK\r\nv: SIP/2.0/udp a;rport=6000;branch=z9hG4bK1;received=203.0.113.9\r\n"))
        // Changing the Vias drops the lines.
        var changed = request
        changed.vias[0].setParameter("branch", "z9hG4bK9")
        #expect(changed.receivedViaLines == nil)
        // The response's Vias are the request's fixed up when read, and stay so when changed.
        #expect(response.vias[0].parameter("rport") == .some("6000"))
        #expect(response.vias[0].parameter("received") == .some("203.0.113.9"))
        var edited = response
        edited.vias[0].setParameter("branch", "z9hG4bK9")
        #expect(edited.renderedViaLines == nil)
        #expect(edited.wireText.contains("Via: SIP/2.0/UDP a;rport=6000;branch=z9hG4bK9;received=203.0.113.9\r\n"))
        #expect(response.wireText.contains(";branch=z9hG4bK1;"))
    }
}
