import Foundation
import Testing
import TestSupport

@testable import BridgeApp

/// The AI → caller controls of the stream protocol over real sockets: `checkpoint` →
/// `playedStream`, `clearAudio` → `clearedAudio`, `stop` → BYE, and caller hang-up → close.
@Suite(.serialized)
struct StreamControlTests {
    @Test func checkpointFiresOnlyAfterItsAudioWasSent() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 1)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        let start = try await agent.waitFor("start")[0].json
        let streamID = try #require((start["start"] as? [String: Any])?["streamId"] as? String)

        // 1100 bytes = 137.5 ms: an uneven size, as Pipecat sends (spec §8.3).
        let audio = pattern(1100)
        agent.send(json: [
            "event": "playAudio", "streamId": streamID,
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(audio).base64EncodedString()],
        ])
        agent.send(json: ["event": "checkpoint", "streamId": streamID, "name": "turn-1"])
        let played = try await agent.waitFor("playedStream")[0]
        #expect(played.json["name"] as? String == "turn-1")
        #expect(played.json["streamId"] as? String == streamID)

        // Every audio byte reached the caller, in order, before playedStream was sent.
        let packets = caller.receivedRTP.filter { $0.payloadType == 0 }
        let stream = packets.flatMap(\.payload)
        let first = try #require(stream.firstIndex { $0 != 0xFF })
        #expect(firstMismatch(Array(stream[first..<min(stream.count, first + audio.count)]), audio) == nil)
        let lastAudioPacket = try #require(packets.last { $0.payload.contains { $0 != 0xFF } })
        // Both times are taken by different receiving threads (the caller's UDP reader, the
        // agent's WebSocket reader), so they order only to within scheduling noise; a
        // checkpoint that fired when its audio was queued, not sent, would be ~120 ms early.
        #expect(lastAudioPacket.time <= played.time + .milliseconds(5))
        // ... and not long before: 7 frames of audio, playedStream within ~2 frames of the last.
        #expect(played.time - lastAudioPacket.time < .milliseconds(40))

        #expect(try await caller.bye() == 200)
        try await agent.waitClosed()
        #expect(agent.events("stop").isEmpty)  // spec §3.6: no stop on caller hang-up
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func clearAudioSilencesAtOnceAndDropsPendingCheckpoints() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 2)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")

        let audio = pattern(8000 * 5)  // 5 s
        agent.send(json: [
            "event": "playAudio",
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(audio).base64EncodedString()],
        ])
        agent.send(json: ["event": "checkpoint", "name": "never"])
        try await Task.sleep(for: .milliseconds(300))
        let clearSent = ContinuousClock.now
        agent.send(json: ["event": "clearAudio"])
        let cleared = try await agent.waitFor("clearedAudio")[0]
        #expect(cleared.json["streamId"] as? String != nil)
        #expect(cleared.time - clearSent < .milliseconds(100))
        try await Task.sleep(for: .milliseconds(300))

        // Audio played before the clear; only silence from one frame after it.
        let packets = caller.receivedRTP.filter { $0.payloadType == 0 }
        #expect(packets.contains { $0.time < clearSent && $0.payload.contains { $0 != 0xFF } })
        let after = packets.filter { $0.time > cleared.time + .milliseconds(25) }
        #expect(after.count >= 10)
        #expect(after.allSatisfy { $0.payload.allSatisfy { $0 == 0xFF } })
        #expect(agent.events("playedStream").isEmpty)  // spec §5.2: cleared checkpoints never fire

        // Audio after clearAudio belongs to the new queue and plays.
        agent.send(json: [
            "event": "playAudio",
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(pattern(320, seed: 3)).base64EncodedString()],
        ])
        agent.send(json: ["event": "checkpoint", "name": "after-clear"])
        let played = try await agent.waitFor("playedStream")
        #expect(played.map { $0.json["name"] as? String } == ["after-clear"])

        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func stopFromTheServerHangsUpWithBye() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 3)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        let start = try await agent.waitFor("start")[0].json
        let streamID = (start["start"] as? [String: Any])?["streamId"] as? String ?? ""
        agent.send(json: ["event": "stop", "streamId": streamID])
        try await caller.waitForBye()
        try await agent.waitClosed()
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func agentClosingTheSocketHangsUp() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 4)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        agent.close()
        try await caller.waitForBye()
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}

/// The return path's idle behaviour: the first frame of a talk-spurt goes out at once with the
/// marker bit; with `silence_when_idle: false` nothing is sent while the AI is silent.
@Suite(.serialized)
struct TalkSpurtTests {
    @Test func firstFrameOfATalkSpurtCarriesTheMarkerBit() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 16)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        try await Task.sleep(for: .milliseconds(110))
        agent.send(json: [
            "event": "playAudio",
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(pattern(480)).base64EncodedString()],
        ])
        agent.send(json: ["event": "checkpoint", "name": "done"])
        try await agent.waitFor("playedStream")
        let packets = caller.rtp.datagrams.map(\.bytes).filter { $0.count > 12 }
        let firstAudio = try #require(packets.firstIndex { $0[12...].contains { $0 != 0xFF } })
        #expect(packets[firstAudio][1] & 0x80 != 0, "marker bit on the first packet of the talk-spurt")
        #expect(packets[firstAudio + 1][1] & 0x80 == 0)
        // Timestamps stay contiguous across the early packet: +160 per packet.
        let timestamps = packets.map { UInt32($0[4]) << 24 | UInt32($0[5]) << 16 | UInt32($0[6]) << 8 | UInt32($0[7]) }
        let steps = zip(timestamps.dropFirst(), timestamps).map { pair in pair.0 &- pair.1 }
        #expect(steps.allSatisfy { $0 == 160 })
        let status = try await harness.status()
        let media = try #require(((status["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any])
        #expect(media["firstAudioDelayMicroseconds"] is Int)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    /// An AI server streaming 20 ms frames in real time empties the queue with every frame;
    /// each goes out as it arrives, and only audio after a slot of silence is marked (RFC 3551
    /// §4.1) — before, every such frame carried the marker.
    @Test func aRealTimeStreamIsMarkedOnlyAfterSilence() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 56)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        for frame in 0..<15 {
            agent.send(json: [
                "event": "playAudio",
                "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(pattern(160, seed: frame)).base64EncodedString()],
            ])
            try await Task.sleep(for: .milliseconds(20))
        }
        agent.send(json: ["event": "checkpoint", "name": "done"])
        try await agent.waitFor("playedStream")
        let packets = caller.rtp.datagrams.map(\.bytes).filter { $0.count > 12 }
        let hasAudio = packets.map { $0[12...].contains { $0 != 0xFF } }
        #expect(hasAudio.filter { $0 }.count == 15)
        for index in packets.indices where hasAudio[index] {
            let afterSilence = index == 0 || !hasAudio[index - 1]
            #expect((packets[index][1] & 0x80 != 0) == afterSilence, "packet \(index): marker only on audio after silence")
        }
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func dtxSendsNothingWhileIdleAndJumpsTheTimestamp() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 17, rtpExtra: "silence_when_idle: false")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        try await Task.sleep(for: .milliseconds(200))
        #expect(caller.rtp.datagrams.isEmpty, "nothing is sent while the AI is silent")
        agent.send(json: [
            "event": "playAudio",
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(pattern(320)).base64EncodedString()],
        ])
        agent.send(json: ["event": "checkpoint", "name": "done"])
        try await agent.waitFor("playedStream")
        try await Task.sleep(for: .milliseconds(200))
        let packets = caller.rtp.datagrams.map(\.bytes)
        #expect(packets.count == 2, "two frames of audio, then nothing again")
        #expect(packets.first.map { $0[1] & 0x80 != 0 } == true)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}
