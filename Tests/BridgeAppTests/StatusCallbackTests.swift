import Foundation
import Testing
import TestSupport

@testable import BridgeApp

/// Stream status callbacks (issue 5, stream spec §5.8): form-encoded POSTs (or GET queries) for
/// StartStream, PlayedStream, ClearedAudio, StopStream and DroppedStream, with the route's
/// parameters as `X-VH-*` fields; best effort (a failing callback server changes nothing).
@Suite(.serialized)
struct StatusCallbackTests {
    @Test func aCallsStreamReportsItsLifeByCallback() async throws {
        let recorder = try await CallbackRecorder.start()
        let unreachable = """
              - name: unreachable
                match: { to_user: "^down$" }
                stream: { url: "ws://127.0.0.1:1/ws", status_callback_url: "\(recorder.url)?route=down", status_callback_method: GET }
            """
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 64, extraRoute: unreachable,
            streamExtra: "status_callback_url: \"\(recorder.url)\"\n      parameters: { tenant: \"acme corp\" }")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        let start = try await agent.waitFor("start")[0]
        let streamID = try #require((start.json["start"] as? [String: Any])?["streamId"] as? String)
        let callID = try #require((start.json["start"] as? [String: Any])?["callId"] as? String)

        let started = try await recorder.waitFor("StartStream")
        #expect(started.method == "POST" && started.contentType == "application/x-www-form-urlencoded")
        #expect(started.order.prefix(3) == ["Event", "StreamID", "CallUUID"])
        #expect(started.fields["StreamID"] == streamID && started.fields["CallUUID"] == callID)
        #expect(started.fields["ServiceURL"]?.hasPrefix(harness.agent.url) == true)
        #expect(started.fields["X-VH-tenant"] == "acme corp", "spaces survive the form encoding")
        #expect(started.fields["From"] == "caller" && started.fields["To"] == "test")

        agent.send(json: ["event": "checkpoint", "streamId": streamID, "name": "hello"])
        #expect(try await recorder.waitFor("PlayedStream").fields["Name"] == "hello")
        agent.send(json: ["event": "clearAudio", "streamId": streamID])
        _ = try await recorder.waitFor("ClearedAudio")
        #expect(try await caller.bye() == 200)
        let stopped = try await recorder.waitFor("StopStream")
        #expect(stopped.fields["Reason"] == "caller hung up" && stopped.fields["StreamID"] == streamID)

        // A stream that cannot connect: DroppedStream, by GET with the fields in the query.
        let down = try await harness.caller()
        #expect(try await down.invite(user: "down") == 503)
        let dropped = try await recorder.waitFor("DroppedStream")
        #expect(dropped.method == "GET" && dropped.fields["route"] == "down" && dropped.fields["To"] == "down")
        #expect(dropped.fields["Reason"]?.contains("stream connect failed") == true)
        try await harness.waitIdle()
        _ = try await poll(timeout: .seconds(5), what: "five callbacks counted as delivered") {
            let text = String(decoding: harness.bridge.registry.metrics.exposition(activeCalls: 0, isDraining: false), as: UTF8.self)
            return text.contains(#"sipbridge_status_callbacks_total{result="delivered"} 5"#) ? true : nil
        }
        await caller.close()
        await down.close()
        await harness.stop()
        await recorder.stop()
    }

    @Test func aFailingCallbackServerChangesNothingForTheCall() async throws {
        let recorder = try await CallbackRecorder.start()
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 65, streamExtra: "status_callback_url: \"http://127.0.0.1:\(recorder.port)/fail\"")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        _ = try await harness.agent.connection().waitFor("start")
        _ = try await recorder.waitFor("StartStream")
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        _ = try await poll(timeout: .seconds(5), what: "the failures counted") {
            let text = String(decoding: harness.bridge.registry.metrics.exposition(activeCalls: 0, isDraining: false), as: UTF8.self)
            return text.contains(#"sipbridge_status_callbacks_total{result="failed"} 2"#) ? true : nil
        }
        await caller.close()
        await harness.stop()
        await recorder.stop()
    }

    @Test func formEncodingAndConfigurationErrors() throws {
        #expect(StatusCallback.formEncode([("Event", "StartStream"), ("X-VH-a b", "c&d=é+")]) == "Event=StartStream&X-VH-a+b=c%26d%3D%C3%A9%2B")
        let yaml = """
            routes:
              - { name: r, stream: { url: "ws://a/ws", status_callback_url: "ftp://x/cb", status_callback_method: PUT } }
            """
        let error = try #require(throws: ConfigError.self) { try BridgeConfig.parse(yaml: yaml, environment: [:]) }
        #expect(error.issues.map(\.path).sorted() == ["routes[0].stream.status_callback_method", "routes[0].stream.status_callback_url"])
    }
}
