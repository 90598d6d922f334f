import Foundation
import NIOCore
@testable import SIPIngress

/// Raw SIP text and fixtures for the tests: hand-written messages are joined with CRLF
/// (RFC 3261 §7) and torture vectors are read byte for byte from `Fixtures/`.
enum TestMessages {
    /// The folder next to this file that holds the RFC 4475 / RFC 5118 vectors. The test target
    /// declares no resources, so fixtures are found relative to the source file.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The exact bytes of a fixture (never newline-translated).
    static func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    /// Header lines and an optional body joined into one message; `Content-Length` is added
    /// from the body's byte count unless `contentLength` overrides it.
    static func text(_ headers: [String], body: String = "", contentLength: Int? = nil) -> String {
        let length = contentLength ?? body.utf8.count
        return (headers + ["Content-Length: \(length)", ""]).joined(separator: "\r\n") + "\r\n" + body
    }

    /// Parses raw bytes with the codec under test.
    static func parse(_ bytes: [UInt8]) throws(SIPIngressError) -> SIPMessage {
        var result: Result<SIPMessage, SIPIngressError> = .failure(.malformedMessage("unset"))
        bytes.withUnsafeBytes { raw in
            do throws(SIPIngressError) { result = .success(try OSIPCodec.parseMessage(raw)) } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses SIP text with the codec under test.
    static func parse(_ text: String) throws(SIPIngressError) -> SIPMessage {
        try parse(Array(text.utf8))
    }

    /// Parses a fixture with the codec under test.
    static func parseFixture(_ name: String) throws -> SIPMessage {
        try parse(fixture(name))
    }

    /// The SDP offer used across the tests: PCMA and PCMU with telephone-event, RFC 4566 §5.
    static let offerSDP = [
        "v=0",
        "o=alice 2890844526 2890844526 IN IP4 192.0.2.10",
        "s=-",
        "c=IN IP4 192.0.2.10",
        "t=0 0",
        "m=audio 49170 RTP/AVP 8 0 101",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=sendrecv",
    ].joined(separator: "\r\n") + "\r\n"

    /// An INVITE from a carrier behind two loose-routing proxies, with an SDP offer.
    static func invite(recordRoutes: [String] = ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]) -> String {
        text(
            [
                "INVITE sip:+15550100@bridge.example.com SIP/2.0",
                "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK776asdhds;rport",
                "Via: SIP/2.0/UDP 203.0.113.5;branch=z9hG4bKproxy1;received=203.0.113.50",
            ] + recordRoutes.map { "Record-Route: \($0)" } + [
                "Max-Forwards: 69",
                "From: \"Alice\" <sip:alice@example.com>;tag=1928301774",
                "To: <sip:+15550100@bridge.example.com>",
                "Call-ID: a84b4c76e66710@pc33.example.com",
                "CSeq: 314159 INVITE",
                "Contact: <sip:alice@192.0.2.10:5062>",
                "Content-Type: application/sdp",
            ], body: offerSDP)
    }

    /// `invite()` parsed.
    static func parsedInvite(recordRoutes: [String] = ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]) throws
        -> SIPMessage
    {
        try parse(invite(recordRoutes: recordRoutes))
    }

    /// The bridge's identity in the tests.
    static let local = LocalEndpoint(host: "198.51.100.1", port: 5060)
}

extension TimeAmount {
    /// Whole milliseconds, for readable action descriptions.
    var milliseconds: Int64 { nanoseconds / 1_000_000 }
}
