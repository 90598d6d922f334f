import Testing
@testable import SIPIngress

/// Tier 1: the RFC 4475 vectors the codec must reject, and what the stateless responder makes
/// of each (a 400 for a request whose five headers survive, nothing for a response).
@Suite struct RFC4475InvalidTests {
    /// Requests rejected by the codec and answered with a stateless 400 (RFC 3261 §8.2).
    @Test(arguments: [
        "badinv01",  // §3.1.2.1 extraneous separators
        "clerr",  // §3.1.2.2 Content-Length larger than the datagram
        "ncl",  // §3.1.2.3 negative Content-Length
        "scalar02",  // §3.1.2.4 CSeq beyond 2^32-1
        "quotbal",  // §3.1.2.6 unterminated quoted string
        "ltgtruri",  // §3.1.2.7 <> around the Request-URI
        "lwsruri",  // §3.1.2.8 LWS inside the Request-URI
        "lwsstart",  // §3.1.2.9 several SP in the request line
        "trws",  // §3.1.2.10 SP after the SIP-Version
        "badaspec",  // §3.1.2.14 spaces inside addr-spec
        "baddn",  // §3.1.2.15 non-token display name
        "multi01",  // §3.3.8 several values in single-value headers
        "mcl01",  // §3.3.9 two different Content-Lengths
    ])
    func rejectedWith400(name: String) throws {
        let bytes = try TestMessages.fixture("rfc4475/\(name).dat")
        #expect(throws: SIPIngressError.self) { try TestMessages.parse(bytes) }
        let reply = try #require(StatelessResponder.badRequest(for: bytes))
        #expect(String(decoding: reply, as: UTF8.self).hasPrefix("SIP/2.0 400 Bad Request\r\n"))
    }

    @Test func badversIsVersionNotSupported() throws {
        // §3.1.2.16: SIP/7.0 → 505.
        let bytes = try TestMessages.fixture("rfc4475/badvers.dat")
        #expect(throws: SIPIngressError.versionNotSupported) { try TestMessages.parse(bytes) }
        let reply = try #require(StatelessResponder.badRequest(for: bytes, status: 505, reason: "Version Not Supported"))
        let text = String(decoding: reply, as: UTF8.self)
        #expect(text.hasPrefix("SIP/2.0 505 Version Not Supported\r\n"))
        #expect(text.contains("Call-ID: badvers.31417@c.example.com\r\n"))
    }

    /// Responses the codec rejects; a response is never answered (RFC 4475 §3.1.2.19).
    @Test(arguments: [
        "scalarlg",  // §3.1.2.5 overlarge CSeq, Retry-After and Warning code
        "bigcode",  // §3.1.2.19 status 4294967301 (libosip2 would wrap it to 5)
    ])
    func rejectedResponsesAreDropped(name: String) throws {
        let bytes = try TestMessages.fixture("rfc4475/\(name).dat")
        #expect(throws: SIPIngressError.self) { try TestMessages.parse(bytes) }
        #expect(StatelessResponder.badRequest(for: bytes) == nil)
    }

    @Test func insufIsAnswered400WithoutBreaking() throws {
        // §3.3.1: To, From and Call-ID are missing; the 400 carries the Via and CSeq it has.
        let bytes = try TestMessages.fixture("rfc4475/insuf.dat")
        #expect(throws: SIPIngressError.missingHeader("From")) { try TestMessages.parse(bytes) }
        let reply = String(decoding: try #require(StatelessResponder.badRequest(for: bytes)), as: UTF8.self)
        #expect(reply.hasPrefix("SIP/2.0 400 Bad Request\r\nCSeq: 193942 INVITE\r\nVia: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"))
    }
}
