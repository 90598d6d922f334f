import Foundation
import Testing
import TestSupport

@testable import BridgeApp

/// A route in the Twilio Media Streams dialect end to end (issue 5, spec §7): an AI server
/// written for Twilio gets `connected`, `start` with SIDs and custom parameters, string
/// counters, mark echoes, a silent `clear` that returns pending marks, and `stop` on hangup.
@Suite(.serialized)
struct TwilioDialectTests {
    @Test func aTwilioServerGetsTwilioMessagesAndItsAudioReachesTheCaller() async throws {
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 63,
            streamExtra: "dialect: twilio\n      parameters: { caller: \"{from_user}\", dialled: \"{to_user}\", fixed: \"a\\\"b\" }")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        let opening = try await agent.waitFor("start")
        #expect(agent.messages.first?.event == "connected", "connected comes first, in its own frame")
        #expect(agent.messages.first?.json["protocol"] as? String == "Call")
        let start = opening[0].json
        #expect(start["sequenceNumber"] as? String == "1")
        let details = try #require(start["start"] as? [String: Any])
        let streamSid = try #require(details["streamSid"] as? String)
        #expect(streamSid.hasPrefix("MZ") && streamSid.count == 34 && start["streamSid"] as? String == streamSid)
        #expect((details["callSid"] as? String)?.hasPrefix("CA") == true)
        #expect(details["customParameters"] as? [String: String] == ["caller": "caller", "dialled": "test", "fixed": "a\"b"])
        #expect((details["mediaFormat"] as? [String: Any])?["channels"] as? Int == 1)

        // Caller audio arrives as Twilio media with string counters.
        let spoken = (0..<160).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        for index in 0..<3 {
            try await caller.sendRTP(payload: spoken, payloadType: 0, sequence: UInt16(index), timestamp: UInt32(index * 160))
        }
        let encoded = Data(spoken).base64EncodedString()
        let first = try await agent.waitFor("media") { (($0.json["media"] as? [String: Any])?["payload"] as? String) == encoded }
        let fields = try #require(first.json["media"] as? [String: Any])
        #expect(fields["chunk"] is String && fields["timestamp"] is String && first.json["sequenceNumber"] is String)

        // The server's media plays to the caller byte for byte; its mark comes back after it.
        let reply = (0..<800).map { UInt8(truncatingIfNeeded: $0 * 13 + 5) | 0x01 }
        agent.send(json: ["event": "media", "streamSid": streamSid, "media": ["payload": Data(reply).base64EncodedString()]])
        agent.send(json: ["event": "mark", "streamSid": streamSid, "mark": ["name": "reply-1"]])
        let mark = try await agent.waitFor("mark")[0]
        #expect((mark.json["mark"] as? [String: Any])?["name"] as? String == "reply-1")
        let heard = caller.receivedRTP.filter { $0.payloadType == 0 }.flatMap(\.payload)
        let begin = try #require(heard.firstIndex(of: reply[0]))
        #expect(Array(heard[begin..<min(heard.count, begin + reply.count)]) == reply)

        // clear: no acknowledgement, the pending mark comes back at once, the audio stops.
        agent.send(json: ["event": "media", "streamSid": streamSid, "media": ["payload": Data(repeating: 0x11, count: 16_000).base64EncodedString()]])
        agent.send(json: ["event": "mark", "streamSid": streamSid, "mark": ["name": "long"]])
        try await Task.sleep(for: .milliseconds(100))
        let clearedAt = ContinuousClock.now
        agent.send(json: ["event": "clear", "streamSid": streamSid])
        let marks = try await agent.waitFor("mark", count: 2)
        #expect((marks[1].json["mark"] as? [String: Any])?["name"] as? String == "long")
        #expect(marks[1].time - clearedAt < .milliseconds(500), "returned on clear, not after 2 s of audio")
        #expect(agent.events("clearedAudio").isEmpty)

        // Hangup: Twilio's stop with the SIDs, then the close.
        #expect(try await caller.bye() == 200)
        let stop = try await agent.waitFor("stop")[0]
        #expect((stop.json["stop"] as? [String: Any])?["callSid"] as? String == details["callSid"] as? String)
        try await agent.waitClosed()
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func theTwilioDialectIsMuLawOnly() throws {
        let yaml = """
            routes:
              - name: t
                stream: { url: "ws://a/ws", dialect: twilio, content_type: "audio/x-l16;rate=16000", parameters: { x: "{nope}" } }
              - name: u
                stream: { url: "ws://a/ws", dialect: teams }
            """
        let error = try #require(throws: ConfigError.self) { try BridgeConfig.parse(yaml: yaml, environment: [:]) }
        #expect(error.issues.map(\.path).sorted() == ["routes[0].stream.content_type", "routes[0].stream.parameters.x", "routes[1].stream.dialect"])
        let config = try BridgeConfig.parse(
            yaml: "routes: [{ name: t, stream: { url: \"ws://a/ws\", dialect: twilio } }]", environment: [:])
        #expect(config.routes[0].stream.sendStopOnHangup, "Twilio always ends with stop")
        #expect(config.effectiveYAML().contains("dialect: twilio"))
    }
}
