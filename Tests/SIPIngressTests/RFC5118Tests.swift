import Foundation
import Testing
import Transcode
@testable import SIPIngress

/// Tier 1: the RFC 5118 IPv6 torture vectors. Three INVITEs carry a Content-Length that does
/// not match their body (INDEX.md "CL defect"); they are judged as published and again as a
/// CL-corrected copy made here, never by editing the fixture.
@Suite struct RFC5118Tests {
    private func bytes(_ name: String) throws -> [UInt8] {
        try TestMessages.fixture("rfc5118/\(name).dat")
    }

    private func vector(_ name: String) throws -> SIPMessage {
        try TestMessages.parse(bytes(name))
    }

    /// The vector with `Content-Length` set to its body's real size.
    private func correctedVector(_ name: String) throws -> SIPMessage {
        let text = String(decoding: try bytes(name), as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        try #require(parts.count == 2)
        let headers = parts[0].components(separatedBy: "\r\n").map {
            $0.hasPrefix("Content-Length:") ? "Content-Length: \(parts[1].utf8.count)" : $0
        }
        return try TestMessages.parse(headers.joined(separator: "\r\n") + "\r\n\r\n" + parts[1])
    }

    @Test func ipv6GoodReference() throws {
        let m = try vector("ipv6-good")  // §4.1
        #expect(m.method == .register)
        #expect(m.requestURI?.host == "2001:db8::10")
        #expect(m.vias.first?.host == "2001:db8::9:1")
        #expect(m.contacts.first?.uri.host == "2001:db8::1")
    }

    @Test(arguments: [
        "ipv6-bad",  // §4.2 unbracketed IPv6 Request-URI (libosip2 reads host `2001:db8:` port 10)
        "ipv6-bug-abnf-3-colons",  // §4.10 `[2001:db8:::192.0.2.1]`
    ])
    func invalidIPv6ReferenceIs400(name: String) throws {
        let raw = try bytes(name)
        #expect(throws: SIPIngressError.self) { try TestMessages.parse(raw) }
        let reply = try #require(StatelessResponder.badRequest(for: raw))
        #expect(String(decoding: reply, as: UTF8.self).hasPrefix("SIP/2.0 400 "))
    }

    @Test func portAmbiguousHasNoPort() throws {
        let m = try vector("port-ambiguous")  // §4.3: 5070 is part of the address
        #expect(m.requestURI?.host == "2001:db8::10:5070")
        #expect(m.requestURI?.port == nil)
    }

    @Test func portUnambiguousHasPort() throws {
        let m = try vector("port-unambiguous")  // §4.4
        #expect(m.requestURI?.host == "2001:db8::10")
        #expect(m.requestURI?.port == 5070)
    }

    @Test func viaReceivedWithAndWithoutDelimiters() throws {
        let with = try vector("via-received-param-with-delim")  // §4.5
        let without = try vector("via-received-param-no-delim")
        #expect(with.vias.first?.parameter("received") == .some("[2001:db8::9:255]"))
        #expect(without.vias.first?.parameter("received") == .some("2001:db8::9:255"))
        #expect(with.method == .bye)
        #expect(without.method == .options)
    }

    @Test func ipv6InSDPAsPublishedIsRejectedLikeClerr() throws {
        // §4.6 as published: Content-Length 268 exceeds the 251-byte body (RFC 4475 clerr).
        #expect(throws: SIPIngressError.self) { try vector("ipv6-in-sdp") }
    }

    @Test func ipv6InSDPCorrectedHasNoUsableAudio() throws {
        // §4.6: c=IN IP6, G726-32 + H263 only → 488.
        let m = try correctedVector("ipv6-in-sdp")
        let offer = try OSIPCodec.parseSessionDescription(m.body)
        #expect(offer.connection == ConnectionAddress(addressType: "IP6", address: "2001:db8::20"))
        #expect(throws: SIPIngressError.noCommonCodec) {
            try OfferAnswer.negotiate(offer: offer, preferences: [.pcmu, .pcma])
        }
        #expect(SIPIngressError.noCommonCodec.statusCode == 488)
    }

    @Test func multipleAddressesInHeaders() throws {
        let m = try vector("mult-ip-in-header")  // §4.7
        #expect(m.method == .bye)
        #expect(m.vias.map(\.host) == ["2001:db8::9:1", "192.0.2.1", "2001:db8::9:255"])
        #expect(m.vias.map(\.port) == [6050, nil, nil])
        #expect(m.vias[2].transport == "TCP")
        #expect(m.vias[2].parameter("received") == .some("192.0.2.200"))
        #expect(m.vias[0].description == "SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111")
    }

    @Test func multipleAddressesInSDPAsPublishedTruncatesTheBody() throws {
        // §4.8 as published: Content-Length 181 < 189 cuts the last SDP line.
        let m = try vector("mult-ip-in-sdp")
        #expect(m.body.count == 181)
    }

    @Test func multipleAddressesInSDPCorrectedIsDeclinedCleanly() throws {
        // §4.8 with the Content-Length corrected: its `s=` line is empty, which RFC 4566 §5.3
        // forbids, so the offer is refused with 488 ("decline cleanly" in INDEX.md).
        let m = try correctedVector("mult-ip-in-sdp")
        #expect(m.body.count == 189)
        #expect(throws: SIPIngressError.self) { try OSIPCodec.parseSessionDescription(m.body) }
        #expect(SIPIngressError.malformedSDP("s=").statusCode == 488)
    }

    @Test func multipleAddressesInSDPWithSessionNameAnswersAudioOnly() throws {
        // §4.8 with `s=-`: audio on IPv4 is answered, the IPv6 video stream refused with port 0.
        let body = String(decoding: try correctedVector("mult-ip-in-sdp").body, as: UTF8.self)
        let offer = try OSIPCodec.parseSessionDescription(Array(body.replacingOccurrences(of: "s=\r\n", with: "s=-\r\n").utf8))
        try #require(offer.media.count == 2)
        #expect(offer.media[1].connection == ConnectionAddress(addressType: "IP6", address: "2001:db8::1"))
        let media = try OfferAnswer.negotiate(offer: offer, preferences: [.pcmu])
        #expect(media.codec == .pcmu)
        #expect(media.remoteAddress == "192.0.2.1")
        #expect(media.remotePort == 22334)
        #expect(media.mediaIndex == 0)
        let answer = OfferAnswer.answer(to: offer, media: media, address: "198.51.100.1", port: 20000, sessionID: 1)
        #expect(answer.contains("m=audio 20000 RTP/AVP 0\r\n"))
        #expect(answer.contains("m=video 0 RTP/AVP 107\r\n"))
    }

    @Test func ipv4MappedIPv6Addresses() throws {
        // §4.9: `[::ffff:192.0.2.10]` in Via and Contact, IP6 in the SDP; G726-32 only → 488.
        let m = try correctedVector("ipv4-mapped-ipv6")
        #expect(m.vias.map(\.host) == ["::ffff:192.0.2.10", "::ffff:192.0.2.2"])
        #expect(m.vias.first?.port == 19823)
        #expect(m.contacts.first?.uri.host == "::ffff:192.0.2.2")
        let offer = try OSIPCodec.parseSessionDescription(m.body)
        #expect(offer.connection?.address == "::ffff:192.0.2.2")
        #expect(throws: SIPIngressError.noCommonCodec) {
            try OfferAnswer.negotiate(offer: offer, preferences: [.pcmu, .pcma])
        }
    }

    @Test func correctABNFTwoColons() throws {
        let m = try vector("ipv6-correct-abnf-2-colons")  // §4.10
        #expect(m.method == .options)
        #expect(m.requestURI?.host == "2001:db8::192.0.2.1")
        #expect(m.to.uri.host == "2001:db8::192.0.2.1")
    }
}
