import Testing
@testable import SIPIngress

/// `PayloadTypeMap`: the small sorted array that holds a media description's `a=rtpmap` and
/// `a=fmtp` values (RFC 4566 §6) behaves as the dictionary it replaced.
@Suite struct PayloadTypeMapTests {
    @Test func keepsPayloadTypesInAscendingOrderWhateverTheInsertionOrder() {
        var map = PayloadTypeMap<String>()
        for payloadType in [101, 0, 96, 8, 127, 9] { map[payloadType] = "pt\(payloadType)" }

        #expect(map.keys == [0, 8, 9, 96, 101, 127])
        #expect(map.count == 6)
        for payloadType in [0, 8, 9, 96, 101, 127] { #expect(map[payloadType] == "pt\(payloadType)") }
        #expect(map[1] == nil)
        #expect(map[128] == nil)
    }

    @Test func aLaterValueReplacesAndNilRemoves() {
        var map: PayloadTypeMap<String> = [8: "first", 0: "zero"]
        map[8] = "second"
        map[0] = nil
        map[5] = nil

        #expect(map.keys == [8])
        #expect(map[8] == "second")
        map[8] = nil
        #expect(map.isEmpty)
    }

    @Test func equalAndSameHashWhenTheSameEntriesCameInAnotherOrder() {
        let ascending: PayloadTypeMap<Int> = [0: 1, 8: 2, 101: 3]
        var shuffled = PayloadTypeMap<Int>()
        shuffled[101] = 3
        shuffled[0] = 1
        shuffled[8] = 2

        #expect(ascending == shuffled)
        #expect(ascending.hashValue == shuffled.hashValue)
        shuffled[8] = 4
        #expect(ascending != shuffled)
    }

    @Test func aRepeatedRtpmapLineKeepsTheLastValue() throws {
        let body = [
            "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 96 0",
            "a=rtpmap:96 opus/48000/2", "a=rtpmap:0 PCMU/8000", "a=rtpmap:96 L16/16000",
        ].joined(separator: "\r\n") + "\r\n"
        let sdp = try OSIPCodec.parseSessionDescription(Array(body.utf8))

        try #require(sdp.media.count == 1)
        #expect(sdp.media[0].rtpMaps.keys == [0, 96])
        #expect(sdp.media[0].rtpMaps[96] == RTPMap(encodingName: "L16", clockRate: 16000))
    }
}
