import Foundation
import NIOCore
import Testing
import Transcode

@testable import WSEgress

private let streamId = "b3e0f6d2-8c41-4f7a-a1d9-5e2c7b90f314"
private let callId = "6f1c2a9e-3b7d-4c55-9a0e-2d8b7e41c0aa"

/// The Twilio and Plivo dialects (spec §7): Twilio Media Streams message shapes both ways, and
/// Plivo's `extra_headers` on every media and dtmf event.
@Suite("Stream dialects (spec §7)")
struct DialectTests {
    private func session(_ dialect: StreamDialect, extraHeaders: String = "{}", tracks: [Track] = [.inbound]) -> StreamSession {
        let start = StreamStart(
            callId: callId, streamId: streamId, accountId: "4821", tracks: tracks, mediaFormat: .mulaw8k, extraHeaders: extraHeaders)
        return StreamSession(start: start, startEpochMilliseconds: 1_764_100_000_000, dialect: dialect)
    }

    @Test("Twilio SIDs: two letters and the UUID's 32 hex digits; account ids kept or derived")
    func sids() {
        let sids = TwilioSIDs(session(.twilio).start)
        #expect(sids.stream == "MZb3e0f6d28c414f7aa1d95e2c7b90f314")
        #expect(sids.call == "CA6f1c2a9e3b7d4c559a0e2d8b7e41c0aa")
        #expect(sids.account == "AC34383231000000000000000000000000", "hex of \"4821\", zero-padded")
        #expect(TwilioSID.account("AC" + String(repeating: "f", count: 32)) == "AC" + String(repeating: "f", count: 32))
        #expect(TwilioSID.make("MZ", from: String(repeating: "x", count: 40)).count == 34)
    }

    @Test("Twilio: connected, start, media with string counters, dtmf, mark echo, stop — byte for byte")
    func twilioOutbound() throws {
        var session = session(.twilio, extraHeaders: #"{"caller":"+4420"}"#, tracks: [.inbound, .outbound])
        var out = ByteBuffer()
        #expect(session.writeConnected(into: &out))
        #expect(String(buffer: out) == #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#)

        let sid = "MZb3e0f6d28c414f7aa1d95e2c7b90f314"
        out.clear()
        session.writeStart(into: &out)
        #expect(String(buffer: out) == #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC34383231000000000000000000000000","streamSid":"\#(sid)","callSid":"CA6f1c2a9e3b7d4c559a0e2d8b7e41c0aa","tracks":["inbound","outbound"],"customParameters":{"caller":"+4420"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"\#(sid)"}"#)

        for expected in [("1", "0"), ("2", "20")] {
            out.clear()
            session.writeMedia(ByteBuffer(bytes: [0xFF, 0x7F, 0x00]), into: &out)
            let sequence = expected.0 == "1" ? "2" : "3"
            #expect(String(buffer: out) == #"{"event":"media","sequenceNumber":"\#(sequence)","media":{"track":"inbound","chunk":"\#(expected.0)","timestamp":"\#(expected.1)","payload":"/38A"},"streamSid":"\#(sid)"}"#)
        }
        out.clear()
        session.writeDTMF(digit: "5", durationMilliseconds: 100, into: &out)
        #expect(String(buffer: out) == #"{"event":"dtmf","sequenceNumber":"4","streamSid":"\#(sid)","dtmf":{"track":"inbound_track","digit":"5"}}"#)
        out.clear()
        session.writePlayedStream(name: "greeting \"done\"", into: &out)
        #expect(String(buffer: out) == #"{"event":"mark","sequenceNumber":"5","streamSid":"\#(sid)","mark":{"name":"greeting \"done\""}}"#)
        out.clear()
        #expect(session.writeClearedAudio(into: &out) == false, "Twilio does not acknowledge clear")
        #expect(out.readableBytes == 0)
        session.writeStop(reason: "caller hung up", into: &out)
        #expect(String(buffer: out) == #"{"event":"stop","sequenceNumber":"6","streamSid":"\#(sid)","stop":{"accountSid":"AC34383231000000000000000000000000","callSid":"CA6f1c2a9e3b7d4c559a0e2d8b7e41c0aa"}}"#)
        // Every message parses as JSON.
        #expect(try JSONSerialization.jsonObject(with: Data(String(buffer: out).utf8)) is [String: Any])
    }

    @Test("Twilio inbound: media is µ-law 8 kHz audio, mark a checkpoint, clear a flush; Vobiz verbs are unknown")
    func twilioInbound() throws {
        let media = try InboundEventParser.parse(
            ByteBuffer(string: #"{"event":"media","streamSid":"MZ1","media":{"payload":"/38A"}}"#), dialect: .twilio)
        guard case .playAudio(let play) = media else { Issue.record("\(media)"); return }
        #expect(play.contentType == "audio/x-mulaw" && play.sampleRate == 8000 && play.streamId == "MZ1")
        #expect(Array(play.payload.readableBytesView) == [0xFF, 0x7F, 0x00])
        #expect(try InboundEventParser.parse(ByteBuffer(string: #"{"event":"mark","streamSid":"MZ1","mark":{"name":"m1"}}"#), dialect: .twilio)
            == .checkpoint(name: "m1", streamId: "MZ1"))
        #expect(try InboundEventParser.parse(ByteBuffer(string: #"{"event":"clear","streamSid":"MZ1"}"#), dialect: .twilio)
            == .clearAudio(streamId: "MZ1"))
        #expect(try InboundEventParser.parse(ByteBuffer(string: #"{"event":"playAudio","media":{"payload":""}}"#), dialect: .twilio)
            == .other(event: "playAudio"))
        #expect(throws: StreamProtocolError.self) {
            try InboundEventParser.parse(ByteBuffer(string: #"{"event":"mark","mark":{}}"#), dialect: .twilio)
        }
        #expect(throws: StreamProtocolError.self) {
            try InboundEventParser.parse(ByteBuffer(string: #"{"event":"media","media":{"payload":"@@"}}"#), dialect: .twilio)
        }
        // In the Vobiz dialect Twilio's verbs are unknown events.
        #expect(try InboundEventParser.parse(ByteBuffer(string: #"{"event":"mark","mark":{"name":"m1"}}"#)) == .other(event: "mark"))
    }

    @Test("Plivo: extra_headers on media and dtmf; Vobiz leaves them off")
    func plivoExtraHeaders() throws {
        var plivo = session(.plivo, extraHeaders: #"{"tenant":"acme"}"#)
        var out = ByteBuffer()
        plivo.writeStart(into: &out)
        out.clear()
        plivo.writeMedia(ByteBuffer(bytes: [0xFF]), into: &out)
        let media = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: out).utf8)) as? [String: Any])
        #expect(media["extra_headers"] as? String == #"{"tenant":"acme"}"#)
        #expect((media["media"] as? [String: Any])?["payload"] as? String == "/w==")
        out.clear()
        plivo.writeDTMF(digit: "#", durationMilliseconds: 80, into: &out)
        #expect(String(buffer: out).hasSuffix(#""duration":80},"extra_headers":"{\"tenant\":\"acme\"}"}"#))
        var vobiz = session(.vobiz, extraHeaders: #"{"tenant":"acme"}"#)
        out.clear()
        vobiz.writeMedia(ByteBuffer(bytes: [0xFF]), into: &out)
        #expect(!String(buffer: out).contains("extra_headers"))
        var connected = ByteBuffer()
        #expect(!vobiz.writeConnected(into: &connected) && connected.readableBytes == 0)
    }
}
