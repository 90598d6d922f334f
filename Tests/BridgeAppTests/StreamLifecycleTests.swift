import Foundation
import Testing
import TestSupport

@testable import BridgeApp

/// Route options of the stream lifecycle and tracks (issue 5): `audio_track`,
/// `send_stop_on_hangup`, `drain_on_stop`.
@Suite(.serialized)
struct StreamLifecycleTests {
    private func mediaPayload(_ message: AgentConnection.Message) -> [UInt8] {
        let media = message.json["media"] as? [String: Any]
        return Array(Data(base64Encoded: media?["payload"] as? String ?? "") ?? Data())
    }

    private func track(_ message: AgentConnection.Message) -> String? {
        (message.json["media"] as? [String: Any])?["track"] as? String
    }

    @Test func bothTracksInterleaveWithTheirOwnChunkCounters() async throws {
        // The widest reorder window, so a bridge loop descheduled on a loaded machine cannot
        // turn part of the burst into late packets (the window itself has manual-clock tests;
        // this one checks the tracks).
        let harness = try await BridgeHarness.start(rtpRangeIndex: 28, rtpExtra: "reorder_ms: 200", streamExtra: "audio_track: both")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        let start = try await agent.waitFor("start")[0].json["start"] as? [String: Any]
        #expect(start?["tracks"] as? [String] == ["inbound", "outbound"])
        let callerAudio = pattern(1600, seed: 8)
        let agentAudio = pattern(800, seed: 9)
        agent.send(json: [
            "event": "playAudio",
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(agentAudio).base64EncodedString()],
        ])
        // In one burst (one event-loop task, one flush): in-order packets go out at once, so the
        // check does not depend on this test's own pacing on a loaded machine (the reorder
        // window has its own tests).
        try await caller.sendRTPBurst(payloads: (0..<10).map { Array(callerAudio[$0 * 160..<($0 + 1) * 160]) }, payloadType: 0)
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await caller.bye() == 200)
        try await agent.waitClosed()

        let media = agent.events("media")
        let sequences = media.compactMap { $0.json["sequenceNumber"] as? Int }
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 }, "one sequence across both tracks")
        for name in ["inbound", "outbound"] {
            let frames = media.filter { track($0) == name }
            let chunks = frames.compactMap { ($0.json["media"] as? [String: Any])?["chunk"] as? Int }
            #expect(chunks == Array(1...max(1, chunks.count)), "\(name) chunks count 1, 2, 3…")
            #expect(frames.count >= 15, "\(name): a frame every 20 ms")
        }
        let outbound = media.filter { track($0) == "outbound" }.flatMap(mediaPayload)
        let inbound = media.filter { track($0) == "inbound" }.flatMap(mediaPayload)
        // The outbound track is what the caller was sent: the agent's audio, then silence.
        let outStart = try #require(outbound.firstIndex { $0 != 0xFF })
        #expect(firstMismatch(Array(outbound[outStart..<min(outbound.count, outStart + 800)]), agentAudio) == nil)
        let inStart = try #require(inbound.firstIndex { $0 != 0xFF })
        #expect(firstMismatch(Array(inbound[inStart..<min(inbound.count, inStart + 1600)]), callerAudio) == nil)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func outboundTrackOnlyCarriesNoCallerAudio() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 29, streamExtra: "audio_track: outbound")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        for index in 0..<5 {
            try await caller.sendRTP(payload: pattern(160, seed: index), payloadType: 0, sequence: UInt16(index), timestamp: UInt32(index * 160))
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await caller.bye() == 200)
        try await agent.waitClosed()
        let media = agent.events("media")
        #expect(media.count >= 10)
        #expect(media.allSatisfy { track($0) == "outbound" })
        await caller.close()
        await harness.stop()
    }

    @Test func stopIsSentBeforeCloseWhenTheRouteAsks() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 30, streamExtra: "send_stop_on_hangup: true")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        let streamID = (try await agent.waitFor("start")[0].json["start"] as? [String: Any])?["streamId"] as? String
        #expect(try await caller.bye() == 200)
        try await agent.waitClosed()
        let stop = try #require(agent.events("stop").first)
        #expect(stop.json["streamId"] as? String == streamID)
        #expect(stop.json["reason"] as? String == "caller hung up")
        #expect(agent.messages.last?.event == "stop", "stop is the last message")
        await caller.close()
        await harness.stop()
    }

    /// `drain_on_stop`: 600 ms of queued audio all reach the caller before the BYE.
    @Test func drainOnStopPlaysTheQueueOutThenHangsUp() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 31, streamExtra: "drain_on_stop: true")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        let audio = pattern(4800, seed: 12)
        agent.send(json: [
            "event": "playAudio",
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(audio).base64EncodedString()],
        ])
        agent.send(json: ["event": "stop"])
        let sent = ContinuousClock.now
        try await agent.waitClosed()
        try await caller.waitForBye(timeout: .seconds(5))
        #expect(ContinuousClock.now - sent >= .milliseconds(500), "the call lasted until the audio played")
        let stream = caller.receivedRTP.filter { $0.payloadType == 0 }.flatMap(\.payload)
        let start = try #require(stream.firstIndex { $0 != 0xFF })
        #expect(firstMismatch(Array(stream[start..<min(stream.count, start + audio.count)]), audio) == nil)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    /// Bad input from the AI server is counted and ignored; the call and later audio go on.
    @Test func badMessagesAreCountedAndTheCallGoesOn() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 34)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        agent.send("not json")
        agent.send(#"{"event":"playAudio"}"#)
        agent.send(#"{"event":"playAudio","media":{"contentType":"audio/x-mulaw","payload":"!!!"}}"#)
        agent.send(#"{"event":"mark","mark":{"name":"twilio-style"}}"#)
        let audio = pattern(480, seed: 21)
        agent.send(json: [
            "event": "playAudio",
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(audio).base64EncodedString()],
        ])
        let stream = try await poll(timeout: .seconds(5), what: "the valid audio at the caller") { () -> [UInt8]? in
            let bytes = caller.receivedRTP.filter { $0.payloadType == 0 }.flatMap(\.payload)
            guard let start = bytes.firstIndex(where: { $0 != 0xFF }), bytes.count >= start + audio.count else { return nil }
            return Array(bytes[start..<start + audio.count])
        }
        #expect(firstMismatch(stream, audio) == nil)
        let media = try #require(((try await harness.status()["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any])
        #expect(media["wsMalformedMessages"] as? Int == 3)
        #expect(media["wsUnknownEvents"] as? Int == 1)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}
