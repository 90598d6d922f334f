import Foundation
import Testing
import Transcode
@testable import SIPIngress

/// Tier 1: RFC 3264 offer/answer for one audio stream.
@Suite struct OfferAnswerTests {
    private func offer(_ lines: [String]) throws -> SessionDescription {
        let head = ["v=0", "o=caller 1 1 IN IP4 192.0.2.10", "s=-", "c=IN IP4 192.0.2.10", "t=0 0"]
        return try OSIPCodec.parseSessionDescription(Array(((head + lines).joined(separator: "\r\n") + "\r\n").utf8))
    }

    @Test func bridgePreferenceWinsOverOfferOrder() throws {
        let sdp = try offer(["m=audio 49170 RTP/AVP 8 0 101", "a=rtpmap:101 telephone-event/8000", "a=ptime:30"])
        let media = try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu, .pcma])
        #expect(media.codec == .pcmu)
        #expect(media.payloadType == 0)
        #expect(media.telephoneEventPayloadType == 101)
        #expect(media.remoteAddress == "192.0.2.10")
        #expect(media.remotePort == 49170)
        #expect(media.packetTime == 30)
        #expect(media.direction == .sendrecv)
        #expect(media.mediaIndex == 0)
        #expect(try OfferAnswer.negotiate(offer: sdp, preferences: [.pcma, .pcmu]).codec == .pcma)
    }

    @Test(arguments: ["224.2.1.1/127", "239.255.255.250/16", "255.255.255.255"])
    func multicastOrBroadcastMediaIs488(address: String) throws {
        // The bridge never streams to a group address (RFC 4566 §5.7 multicast c= lines).
        let sdp = try offer(["c=IN IP4 \(address)", "m=audio 49170 RTP/AVP 0"].reversed())
        #expect(throws: SIPIngressError.noCommonCodec) { try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu]) }
        // A media-level unicast c= overrides a session-level group one.
        let mixed = try OSIPCodec.parseSessionDescription(Array(([
            "v=0", "o=caller 1 1 IN IP4 192.0.2.10", "s=-", "c=IN IP4 \(address)", "t=0 0", "m=audio 49170 RTP/AVP 0",
            "c=IN IP4 192.0.2.10",
        ].joined(separator: "\r\n") + "\r\n").utf8))
        #expect(try OfferAnswer.negotiate(offer: mixed, preferences: [.pcmu]).remoteAddress == "192.0.2.10")
        #expect(!OfferAnswer.isGroupAddress("0.0.0.0") && !OfferAnswer.isGroupAddress("223.255.255.255"))
    }

    @Test func dynamicPayloadTypeMatchedByNameCaseInsensitively() throws {
        // RFC 4566 §6: encoding names are case-insensitive; the answer keeps the offer's PT.
        let sdp = try offer(["m=audio 4000 RTP/AVP 96 97", "a=rtpmap:96 opus/48000/2", "a=rtpmap:97 pcma/8000"])
        let media = try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu, .pcma])
        #expect(media.codec == .pcma)
        #expect(media.payloadType == 97)
        #expect(media.telephoneEventPayloadType == nil)
    }

    @Test func staticPayloadTypeNeedsNoRtpmap() throws {
        let sdp = try offer(["m=audio 4000 RTP/AVP 8"])
        #expect(try OfferAnswer.negotiate(offer: sdp, preferences: [.pcma]).payloadType == 8)
    }

    /// RFC 3551 §4.5.2: G.722 is static PT 9 with an RTP clock of 8000 though it samples at
    /// 16 kHz; the answer says so, and telephone-event rides at 8000 beside it.
    @Test func g722StaticPayloadTypeAndAnswer() throws {
        let sdp = try offer(["m=audio 4000 RTP/AVP 9 0 101", "a=rtpmap:101 telephone-event/8000"])
        let media = try OfferAnswer.negotiate(offer: sdp, preferences: [.g722, .pcmu])
        #expect(media.codec == .g722)
        #expect(media.payloadType == 9)
        #expect(media.telephoneEventPayloadType == 101)
        let answer = OfferAnswer.answer(to: sdp, media: media, address: "198.51.100.1", port: 20004, sessionID: 5)
        #expect(answer.contains("m=audio 20004 RTP/AVP 9 101\r\na=rtpmap:9 G722/8000\r\n"))
        #expect(try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu, .g722]).codec == .pcmu)
    }

    @Test func wrongClockRateOrChannelsDoNotMatch() throws {
        let sdp = try offer(["m=audio 4000 RTP/AVP 96 97", "a=rtpmap:96 PCMU/16000", "a=rtpmap:97 PCMU/8000/2"])
        #expect(throws: SIPIngressError.noCommonCodec) { try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu]) }
    }

    @Test func telephoneEventAtAnotherRateIsIgnored() throws {
        let sdp = try offer(["m=audio 4000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/48000"])
        #expect(try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu]).telephoneEventPayloadType == nil)
    }

    @Test func noCommonCodecIs488() throws {
        let sdp = try offer(["m=audio 4000 RTP/AVP 3 18", "a=rtpmap:3 GSM/8000", "a=rtpmap:18 G729/8000"])
        #expect(throws: SIPIngressError.noCommonCodec) {
            try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu, .pcma])
        }
        #expect(SIPIngressError.noCommonCodec.statusCode == 488)
    }

    @Test func unusableStreamsAreSkipped() throws {
        // Video, a rejected (port 0) audio stream, SRTP and IPv6 audio are passed over for the
        // first plain IPv4 RTP/AVP audio stream.
        let sdp = try offer([
            "m=video 5000 RTP/AVP 31",
            "m=audio 0 RTP/AVP 0",
            "m=audio 5002 RTP/SAVP 0",
            "m=audio 5004 RTP/AVP 0", "c=IN IP6 2001:db8::1",
            "m=audio 5006 RTP/AVP 0", "c=IN IP4 192.0.2.77",
        ])
        let media = try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu])
        #expect(media.mediaIndex == 4)
        #expect(media.remotePort == 5006)
        #expect(media.remoteAddress == "192.0.2.77")
    }

    @Test func ipv6OnlyOfferIs488() throws {
        let sdp = try OSIPCodec.parseSessionDescription(Array(
            "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n".utf8))
        #expect(throws: SIPIngressError.noCommonCodec) { try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu]) }
    }

    @Test(arguments: [
        (MediaDirection.sendrecv, MediaDirection.sendrecv), (.sendonly, .recvonly), (.recvonly, .sendonly),
        (.inactive, .inactive),
    ])
    func directionIsAnswered(offered: MediaDirection, answered: MediaDirection) throws {
        // RFC 3264 §6.1.
        let sdp = try offer(["m=audio 4000 RTP/AVP 0", "a=\(offered.rawValue)"])
        let media = try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu])
        #expect(media.direction == answered)
        let answer = OfferAnswer.answer(to: sdp, media: media, address: "198.51.100.1", port: 20000, sessionID: 1)
        #expect(answer.contains("a=\(answered.rawValue)\r\n"))
    }

    @Test func answerTextLineByLine() throws {
        // RFC 3264 §6: as many m= lines as the offer; others refused with port 0.
        let sdp = try offer([
            "m=video 5000 RTP/AVP 31 34",
            "m=audio 49170 RTP/AVP 8 0 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly",
        ])
        let media = try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu, .pcma])
        let answer = OfferAnswer.answer(
            to: sdp, media: media, address: "198.51.100.1", port: 20000, sessionID: 424242, version: 3)
        #expect(answer.hasSuffix("\r\n"))
        #expect(answer.components(separatedBy: "\r\n") == [
            "v=0",
            "o=sipbridge 424242 3 IN IP4 198.51.100.1",
            "s=sipbridge",
            "c=IN IP4 198.51.100.1",
            "t=0 0",
            "m=video 0 RTP/AVP 31",
            "m=audio 20000 RTP/AVP 0 101",
            "a=rtpmap:0 PCMU/8000",
            "a=rtpmap:101 telephone-event/8000",
            "a=fmtp:101 0-16",
            "a=ptime:20",
            "a=recvonly",
            "",
        ])
        // The answer is itself valid SDP.
        let parsed = try OSIPCodec.parseSessionDescription(Array(answer.utf8))
        #expect(parsed.media.map(\.port) == [0, 20000])
    }

    @Test func answerWithoutTelephoneEvent() throws {
        let sdp = try offer(["m=audio 49170 RTP/AVP 8"])
        let media = try OfferAnswer.negotiate(offer: sdp, preferences: [.pcma])
        let answer = OfferAnswer.answer(to: sdp, media: media, address: "198.51.100.1", port: 20002, sessionID: 9)
        #expect(Array(answer.components(separatedBy: "\r\n").suffix(5)) == [
            "m=audio 20002 RTP/AVP 8", "a=rtpmap:8 PCMA/8000", "a=ptime:20", "a=sendrecv", "",
        ])
    }
}
