#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SIPIngress

/// Tokens and numbers read from libosip2's strings without building a `String` first
/// (`OSIPCodec+Tokens.swift`): they must read exactly as the `String` route did.
@Suite struct OSIPTokenTests {
    private func withCString<R>(_ text: String, _ body: (UnsafeMutablePointer<CChar>) -> R) -> R {
        let copy = strdup(text)!
        defer { free(copy) }
        return body(copy)
    }

    @Test(arguments: [
        "0", "7", "5060", "65535", "123456789", "1234567890", "4294967295", "4294967296", "99999999999999999999",
        "+5", "-1", "-0", "", " 5", "5 ", "12a", "0x10", "٣", "00000000042",
    ])
    func integersReadAsTheStringInitialiserReadsThem(text: String) {
        #expect(withCString(text) { OSIPCodec.integer($0, as: Int.self) } == Int(text))
        #expect(withCString(text) { OSIPCodec.integer($0, as: UInt32.self) } == UInt32(text))
    }

    @Test func aMissingNumberIsNil() {
        #expect(OSIPCodec.integer(nil, as: Int.self) == nil)
    }

    @Test(arguments: ["INVITE", "invite", "INVITEX", "INVIT", "BYE", "SUBSCRIBE", "FOO", "", "ÜBER"])
    func methodsComeBackAsWritten(text: String) {
        #expect(withCString(text) { OSIPCodec.string($0, among: .methods) } == text)
    }

    @Test(arguments: [
        "supported", "Supported", "p-asserted-identity", "p-asserted-identitY", "x-custom", "session-expires", "min-se",
    ])
    func headerNamesComeBackAsWritten(text: String) {
        #expect(withCString(text) { OSIPCodec.string($0, among: .headerNames) } == text)
    }

    @Test func everyTokenOfEveryTableMatchesItself() {
        let tables: [OSIPCodec.Tokens] = [
            .methods, .transports, .viaParameters, .schemes, .mediaTypes, .mediaProtocols, .addressTypes, .headerNames,
        ]
        for table in tables {
            for token in table.texts {
                #expect(withCString(token) { OSIPCodec.string($0, among: table) } == token)
            }
        }
    }

    @Test func sipVersionIsComparedWithLettersFolded() {
        #expect(withCString("SIP/2.0") { OSIPCodec.holds($0, "SIP/2.0") })
        #expect(withCString("sip/2.0") { OSIPCodec.holds($0, "SIP/2.0") })
        #expect(!withCString("SIP/2.00") { OSIPCodec.holds($0, "SIP/2.0") })
        #expect(!withCString("SIP/3.0") { OSIPCodec.holds($0, "SIP/2.0") })
        #expect(!OSIPCodec.holds(nil, "SIP/2.0"))
    }

    @Test func callIDAndContentTypeReadAsLibosip2WritesThem() throws {
        let message = try TestMessages.parse(
            TestMessages.text([
                "MESSAGE sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKtok1",
                "Max-Forwards: 70", "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>",
                "Call-ID: a84b4c76e66710@pc33.example.com", "CSeq: 1 MESSAGE", "Content-Type: text/plain",
            ], body: "hi"))
        #expect(message.callID == "a84b4c76e66710@pc33.example.com")
        #expect(message.contentType == "text/plain")
        let bare = try TestMessages.parse(
            TestMessages.text([
                "OPTIONS sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKtok2",
                "Max-Forwards: 70", "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>", "Call-ID: 8f2e",
                "CSeq: 1 OPTIONS", "Content-Type: application/sdp;charset=utf-8",
            ]))
        #expect(bare.callID == "8f2e")
        #expect(bare.contentType?.hasPrefix("application/sdp") == true)
        #expect(bare.contentType?.contains("charset=utf-8") == true)
    }

    @Test func allowFieldsAreKeptAsTheyArrived() throws {
        // A plain header section: HeaderSection reads Allow in place, one field per line.
        let message = try TestMessages.parse(TestMessages.text(allowRequest))
        let allows = message.otherHeaders.filter { $0.name == "Allow" }.map(\.value)
        #expect(allows == ["INVITE, ACK", "BYE,UPDATE"])
        #expect(message.headerValues("Allow") == ["INVITE", "ACK", "BYE", "UPDATE"])
    }

    @Test func allowElementsFromLibosipBecomeOneField() throws {
        // A folded field sends the whole message to libosip2, which splits Allow into one object
        // per method: they are joined back into one field.
        var lines = allowRequest
        lines[lines.firstIndex(of: "Call-ID: allow1")!] = "Call-ID:\r\n allow1"
        let message = try TestMessages.parse(TestMessages.text(lines))
        #expect(message.callID == "allow1")
        let allows = message.otherHeaders.filter { $0.name == "Allow" }.map(\.value)
        #expect(allows == ["INVITE, ACK, BYE, UPDATE"])
    }

    private let allowRequest = [
        "OPTIONS sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKtok3",
        "Max-Forwards: 70", "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>", "Call-ID: allow1",
        "CSeq: 1 OPTIONS", "Allow: INVITE, ACK", "Allow: BYE,UPDATE",
    ]
}
