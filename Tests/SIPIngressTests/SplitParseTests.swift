import COSIP2
import Testing
@testable import SIPIngress

/// `OSIPCodec.parseSplit`: a plain message built field by field gives what libosip2's whole parse
/// gives; a start line or a body that is not plain is left to the whole parse.
@Suite struct SplitParseTests {
    /// The split parse of `text`, or nil when it leaves the message to the whole parse.
    private func split(_ text: String) throws(SIPIngressError) -> SIPMessage? {
        try withMessage(text) { raw, message throws(SIPIngressError) in try OSIPCodec.parseSplit(raw, into: message) }
    }

    /// libosip2's whole parse of `text`.
    private func whole(_ text: String) throws(SIPIngressError) -> SIPMessage {
        try withMessage(text) { raw, _ throws(SIPIngressError) in try OSIPCodec.parseInArena(raw, splitting: false) }
    }

    private func withMessage<Result>(
        _ text: String,
        _ body: (UnsafeRawBufferPointer, UnsafeMutablePointer<osip_message_t>) throws(SIPIngressError) -> Result
    ) throws(SIPIngressError) -> Result {
        #expect(OSIPCodec.parserReady)
        let bytes = Array(text.utf8)
        var outcome: Swift.Result<Result, SIPIngressError>!
        bytes.withUnsafeBytes { raw in
            OSIPArena.withArena {
                do throws(SIPIngressError) {
                    outcome = .success(try OSIPCodec.withMessage { message throws(SIPIngressError) in try body(raw, message) })
                } catch {
                    outcome = .failure(error)
                }
            }
        }
        return try outcome.get()
    }

    private let dialog = [
        "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKsp1", "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>",
        "Call-ID: sp1", "CSeq: 1 INVITE", "Max-Forwards: 70",
    ]

    @Test(arguments: [
        "INVITE sip:+14155550100@example.com;user=phone SIP/2.0", "OPTIONS sips:b@[2001:db8::10]:5061 SIP/2.0",
        "X-NEW.METHOD tel:+1-415-555-0100 SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 183 Session Progress",
        "SIP/2.0 699 ", "SIP/2.0 486 Occupé",
    ])
    func plainStartLinesAreSetAsLibosipSetsThem(_ line: String) throws {
        let text = TestMessages.text([line] + dialog)
        var (split, whole) = (try #require(try split(text)), try whole(text))
        #expect(split.startLine == whole.startLine)
        (split.otherHeaders, whole.otherHeaders) = ([], [])
        #expect(split.wireText == whole.wireText)
    }

    @Test(arguments: [
        "INVITE  sip:b@example.com SIP/2.0", "INVITE sip:b@example.com  SIP/2.0", "INVITE sip:b@example.com sip/2.0",
        "INVITE sip:b@example.com SIP/2.00", "INVITE sip:b@example.com", "INVITE sip:b@exa\tmple.com SIP/2.0",
        "INVITE sip:b@exämple.com SIP/2.0", "IN(VITE sip:b@example.com SIP/2.0", " INVITE sip:b@example.com SIP/2.0",
        "INVITE sip:b@example.com SIP/2.0 ", "SIP/2.0 2000 OK", "SIP/2.0 099 Low", "SIP/2.0 700 High", "SIP/2.0 200",
        "SIP/2.0 20x OK", "SIP/2.0  200 OK", "SIP/3.0 200 OK",
    ])
    func startLinesThatAreNotPlainAreLeftWhole(_ line: String) throws {
        #expect(try split(TestMessages.text([line] + dialog)) == nil, "\(line)")
    }

    private let request = "INVITE sip:b@example.com SIP/2.0"

    @Test func aBodyIsContentLengthBytesAfterTheEmptyLine() throws {
        let text = TestMessages.text([request] + dialog + ["Content-Type: application/sdp"], body: "v=0\r\nextra", contentLength: 5)
        let split = try #require(try split(text))
        #expect(split.body == Array("v=0\r\n".utf8))
        #expect(split.wireText == (try whole(text)).wireText)
    }

    @Test func noBodyIsTakenWithoutAContentTypeOrWithALengthOfZero() throws {
        for (fields, body, length) in [([String](), "v=0\r\n", 5), (["Content-Type: application/sdp"], "v=0\r\n", 0)] {
            let text = TestMessages.text([request] + dialog + fields, body: body, contentLength: length)
            #expect(try #require(try split(text)).body.isEmpty)
            #expect(try whole(text).body.isEmpty)
        }
        let bare = ([request] + dialog + ["", ""]).joined(separator: "\r\n")
        #expect(try #require(try split(bare)).body.isEmpty)
    }

    @Test(arguments: [
        ("no Content-Length but bytes after the empty line", ["Content-Type: application/sdp", "", "v=0"]),
        ("fewer bytes than the length", ["Content-Type: application/sdp", "Content-Length: 9", "", "v=0"]),
        ("a length of ten digits", ["Content-Type: application/sdp", "Content-Length: 0000000003", "", "v=0"]),
        ("a signed length", ["Content-Type: application/sdp", "Content-Length: +3", "", "v=0"]),
        ("a multipart body", ["Content-Type: multipart/mixed;boundary=b", "Content-Length: 3", "", "--b"]),
    ])
    func bodiesThatAreNotPlainAreLeftWhole(_ why: String, _ lines: [String]) throws {
        #expect(try split(([request] + dialog + lines).joined(separator: "\r\n")) == nil, "\(why)")
    }

    @Test func aFieldLibosipRefusesLeavesTheMessageWhole() throws {
        let text = TestMessages.text([request, "Via: SIP/2.0/UDP"] + dialog.dropFirst())
        #expect(try split(text) == nil)
        #expect(throws: SIPIngressError.self) { try whole(text) }
    }
}

extension SplitParseTests {
    @Test(arguments: [
        "From: \"Smith, J\" <sip:a@example.com>;tag=1", "From: <sip:a@example.com>;tag=1, <sip:c@example.com>",
        "To: <sip:b@example.com>, <sip:c@example.com>", "Call-ID: a,b", "CSeq: 1 INVITE, 2 BYE",
        "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKsp1, SIP/2.0/TCP 192.0.2.11;branch=z9hG4bKsp2",
        "Contact: <sip:a@192.0.2.10>, \"B, C\" <sip:b@192.0.2.11>;q=0.5", "Record-Route: <sip:p1;lr>, <sip:p2;lr>",
        "Route: <sip:p1;lr>,<sip:p2;lr>", "Content-Length: 0, 0", "Record-Route: nonsense", "Contact: *",
    ])
    func fieldsWithCommasAreSetAsLibosipSetsThem(_ field: String) throws {
        let fields = dialog.filter { !$0.hasPrefix(field.prefix(while: { $0 != ":" }) + ":") } + [field]
        let text = ([request] + fields + ["", ""]).joined(separator: "\r\n")
        let wholeParse = Result { () throws(SIPIngressError) in try whole(text) }
        guard let splitParse = try split(text) else { return }  // left to the whole parse
        var (a, b) = (splitParse, try wholeParse.get())
        (a.otherHeaders, b.otherHeaders) = ([], [])
        #expect(a.wireText == b.wireText, "\(field)")
    }
}
