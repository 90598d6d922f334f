import Testing
@testable import SIPIngress

/// URI texts (RFC 3261 §19.1.1) as the codec writes them back: the plain ones from osip's
/// fields (`OSIPCodec.plainURIText`), the rest through `osip_uri_to_str`. Debug builds also
/// compare every plain text with libosip2's, in every test that parses a message.
@Suite struct URITextTests {
    private func requestURI(_ uri: String) throws -> String? {
        let message = try TestMessages.parse(
            TestMessages.text([
                "OPTIONS \(uri) SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKuri1", "Max-Forwards: 70",
                "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>", "Call-ID: uri1", "CSeq: 1 OPTIONS",
            ]))
        return message.requestURI?.text
    }

    @Test(arguments: [
        "sip:+918045678901@203.0.113.5:5060;transport=udp",
        "sip:alice@example.com",
        "sips:bob.smith-jr@pbx-1.example.org:5061;transport=tls;lr",
        "sip:203.0.113.5;lr;ftag=as7c1d2",
        "sip:user@host.example;user=phone;x-mark=(a_b.c!~*')",
    ])
    func plainURIsComeBackUnchanged(uri: String) throws {
        #expect(try requestURI(uri) == uri)
    }

    @Test func plainPartsAllowExactlyTheirCharacters() {
        let alphanumeric = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        let mark = Array("-_.!~*'()".utf8)
        let expected: [OSIPCodec.PlainPart: [UInt8]] = [
            .scheme: alphanumeric, .host: alphanumeric + Array(".-".utf8), .user: alphanumeric + mark + [UInt8(ascii: "+")],
            .parameter: alphanumeric + mark, .digits: Array("0123456789".utf8),
        ]
        let table = OSIPCodec.plainCharacters
        #expect(table.utf8CodeUnitCount == 128)
        for part in OSIPCodec.PlainPart.allCases {
            let allowed = (0...255).map(UInt8.init).filter(part.allows)
            #expect(allowed == expected[part]!.sorted(), "\(part)")
            // The table the parser reads holds the same sets, a bit per part.
            let tabled = (0..<128).map(UInt8.init).filter { table.utf8Start[Int($0)] & part.bit != 0 }
            #expect(tabled == expected[part]!.sorted(), "\(part)")
        }
    }

    @Test func urisWithSomethingToEscapeOrReadGoToLibosip2() throws {
        // Password, headers, an escaped user, an IPv6 host: libosip2 writes them (the same text
        // here, as nothing needs re-escaping).
        #expect(try requestURI("sip:alice:secret@example.com") == "sip:alice:secret@example.com")
        #expect(try requestURI("sip:alice@example.com?subject=project") == "sip:alice@example.com?subject=project")
        #expect(try requestURI("sip:al%20ice@example.com") == "sip:al%20ice@example.com")
        #expect(try requestURI("sip:[2001:db8::10]:5060") == "sip:[2001:db8::10]:5060")
    }
}
