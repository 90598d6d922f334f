import Testing
@testable import SIPIngress

/// Tier 1: `OSIPCodec.parseSessionDescription` (RFC 4566) into `SessionDescription`.
@Suite struct SessionDescriptionTests {
    private func parse(_ lines: [String]) throws -> SessionDescription {
        try OSIPCodec.parseSessionDescription(Array((lines.joined(separator: "\r\n") + "\r\n").utf8))
    }

    @Test func offerFieldsAreTyped() throws {
        let sdp = try OSIPCodec.parseSessionDescription(Array(TestMessages.offerSDP.utf8))

        #expect(sdp.connection == ConnectionAddress(addressType: "IP4", address: "192.0.2.10"))
        try #require(sdp.media.count == 1)
        let audio = sdp.media[0]
        #expect(audio.media == "audio")
        #expect(audio.port == 49170)
        #expect(audio.proto == "RTP/AVP")
        #expect(audio.formats == ["8", "0", "101"])
        #expect(audio.connection == nil)
        #expect(audio.rtpMaps[8] == RTPMap(encodingName: "PCMA", clockRate: 8000))
        #expect(audio.rtpMaps[101] == RTPMap(encodingName: "telephone-event", clockRate: 8000))
        #expect(audio.formatParameters[101] == "0-16")
        #expect(audio.packetTime == 20)
        #expect(audio.direction == .sendrecv)
    }

    @Test func mediaLevelConnectionDirectionAndChannels() throws {
        let sdp = try parse([
            "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0",
            "m=audio 4000 RTP/AVP 96",
            "c=IN IP4 192.0.2.7",
            "a=rtpmap:96 opus/48000/2",
            "a=recvonly",
            "m=video 0 RTP/AVP 31",
            "c=IN IP6 2001:db8::20",
        ])

        #expect(sdp.connection == nil)
        try #require(sdp.media.count == 2)
        #expect(sdp.media[0].connection?.address == "192.0.2.7")
        #expect(sdp.media[0].rtpMaps[96] == RTPMap(encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(sdp.media[0].direction == .recvonly)
        #expect(sdp.media[1].port == 0)
        #expect(sdp.media[1].connection == ConnectionAddress(addressType: "IP6", address: "2001:db8::20"))
    }

    /// The conversion walks libosip2's media, format and attribute lists node by node: each
    /// m= line keeps its own formats and attributes, in order.
    @Test func eachMediaLineKeepsItsFormatsAndAttributes() throws {
        let sdp = try parse([
            "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
            "m=audio 4000 RTP/AVP 0 8 101", "a=ptime:30", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15",
            "m=audio 4002 RTP/AVP 96 97", "a=rtpmap:96 opus/48000/2", "a=rtpmap:97 L16/16000", "a=sendonly",
        ])

        try #require(sdp.media.count == 2)
        #expect(sdp.media[0].formats == ["0", "8", "101"])
        #expect(sdp.media[0].packetTime == 30)
        #expect(sdp.media[0].rtpMaps.keys.sorted() == [101])
        #expect(sdp.media[0].formatParameters[101] == "0-15")
        #expect(sdp.media[0].direction == .sendrecv)
        #expect(sdp.media[1].port == 4002)
        #expect(sdp.media[1].formats == ["96", "97"])
        #expect(sdp.media[1].packetTime == nil)
        #expect(sdp.media[1].rtpMaps[96] == RTPMap(encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(sdp.media[1].rtpMaps[97] == RTPMap(encodingName: "L16", clockRate: 16000))
        #expect(sdp.media[1].formatParameters.isEmpty)
        #expect(sdp.media[1].direction == .sendonly)
    }

    @Test func aPortOutOfRangeNamesItsMediaLine() {
        let lines = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 0"]
        #expect(throws: SIPIngressError.malformedSDP("bad port in m= line 2")) {
            try parse(lines + ["m=audio 70000 RTP/AVP 0"])
        }
    }

    @Test func staticPayloadTypesNeedNoRtpmap() {
        // RFC 3551 Table 4: PT 0 is PCMU and PT 8 is PCMA without an a=rtpmap.
        let media = MediaDescription(media: "audio", port: 1, proto: "RTP/AVP", formats: ["0", "8", "18"])
        #expect(media.rtpMap(for: 0) == RTPMap(encodingName: "PCMU", clockRate: 8000))
        #expect(media.rtpMap(for: 8) == RTPMap(encodingName: "PCMA", clockRate: 8000))
        #expect(media.rtpMap(for: 18) == nil)
    }

    @Test func rtpmapTextParses() {
        #expect(RTPMap("PCMU/8000") == RTPMap(encodingName: "PCMU", clockRate: 8000, channels: 1))
        #expect(RTPMap("L16/16000/2") == RTPMap(encodingName: "L16", clockRate: 16000, channels: 2))
        #expect(RTPMap("PCMU") == nil)
        #expect(RTPMap("PCMU/fast") == nil)
        #expect(RTPMap("PCMU/8000/x") == nil)
    }

    @Test func directionsAnswerPerRFC3264() {
        // RFC 3264 §6.1.
        #expect(MediaDirection.sendrecv.answer == .sendrecv)
        #expect(MediaDirection.sendonly.answer == .recvonly)
        #expect(MediaDirection.recvonly.answer == .sendonly)
        #expect(MediaDirection.inactive.answer == .inactive)
    }

    @Test func garbageSDPIsMalformed() {
        #expect(throws: SIPIngressError.self) {
            try OSIPCodec.parseSessionDescription(Array("this is not sdp".utf8))
        }
        #expect(SIPIngressError.malformedSDP("x").statusCode == 488)
    }
}
