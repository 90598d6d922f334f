import Foundation
import Testing
import TestSupport
import Transcode

@testable import BridgeApp

/// A re-INVITE that moves the call to another codec of the route (issue 3, RFC 3264 §8.3.2):
/// the caller's leg switches, the AI server's µ-law stream does not notice, and AI audio queued
/// before the switch reaches the caller whole, re-encoded, with its checkpoint after it.
@Suite(.serialized) struct CodecChangeTests {
    @Test func reofferMovesThePCMUCallToPCMAInBothDirections() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 77)
        let caller = try await harness.caller()
        #expect(try await caller.invite(payloadType: 0) == 200)
        let agent = try await harness.agent.connection()
        let start = try await agent.waitFor("start")[0].json
        let streamID = try #require((start["start"] as? [String: Any])?["streamId"] as? String)

        // 3 s of AI audio, then a checkpoint; the codec changes while most of it is queued.
        let audio = pattern(8000 * 3)
        agent.send(json: [
            "event": "playAudio", "streamId": streamID,
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(audio).base64EncodedString()],
        ])
        agent.send(json: ["event": "checkpoint", "streamId": streamID, "name": "spoken"])
        _ = try await poll(timeout: .seconds(5), what: "AI audio in PCMU") {
            caller.receivedRTP.filter { $0.payloadType == 0 && $0.payload.contains { $0 != 0xFF } }.count >= 10 ? true : nil
        }
        let answer = try await caller.reinvite(direction: "sendrecv", payloadType: 8)
        #expect(answer.status == 200)
        let lines = answer.body.components(separatedBy: "\r\n")
        #expect(lines.first { $0.hasPrefix("m=audio ") }?.hasSuffix("RTP/AVP 8 101") == true, "\(answer.body)")
        #expect(lines.contains("a=rtpmap:8 PCMA/8000"))

        _ = try await agent.waitFor("playedStream")
        let packets = caller.receivedRTP.filter { $0.payloadType == 0 || $0.payloadType == 8 }
        let firstAudio = try #require(packets.firstIndex { $0.payloadType == 0 && $0.payload.contains { $0 != 0xFF } })
        // Every byte of the 3 s, in order, in whichever codec its packet carried; one stream.
        var offset = 0
        var switched = false
        for (index, packet) in packets[firstAudio...].enumerated() where offset < audio.count {
            let chunk = Array(audio[offset..<min(audio.count, offset + 160)])
            if packet.payloadType == 8 {
                #expect(switched || packet.marker, "the first PCMA packet starts a talk-spurt")
                switched = true
                #expect(packet.payload == chunk.map(G711.muLawToALaw), "PCMA packet \(index) at byte \(offset)")
            } else {
                #expect(!switched, "PCMU after the switch")
                #expect(packet.payload == chunk, "PCMU packet \(index) at byte \(offset)")
            }
            #expect(index == 0 || packet.sequence == packets[firstAudio + index - 1].sequence &+ 1)
            offset += 160
        }
        #expect(switched && offset == audio.count)

        // Caller → AI: PCMA now reaches the stream as µ-law, code for code.
        let aLaw = (0..<160).map { UInt8(($0 * 11 + 3) % 256) }
        let expected = Data(aLaw.map(G711.aLawToMuLaw)).base64EncodedString()
        try await caller.sendRTP(payload: aLaw, payloadType: 8, sequence: 7, timestamp: 1120)
        _ = try await agent.waitFor("media") { (($0.json["media"] as? [String: Any])?["payload"] as? String) == expected }
        #expect(await harness.bridge.registry.snapshots().first?.codec == "PCMA")

        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}
