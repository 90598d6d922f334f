import Foundation
import NIOCore
import NIOPosix
import NIOWebSocket
import Testing
import TestSupport
import WSEgress

@testable import BridgeApp

/// A dead or slow AI server (issue 5, and the ground rule "never a hang or a leaked call"):
/// pings find a server that no longer answers; a server that stops reading costs a bounded
/// backlog with the oldest media dropped, and the call goes on.
@Suite(.serialized)
struct StreamResilienceTests {
    /// A route for to-user `user` streaming to `url`, with extra stream settings.
    private func route(_ user: String, _ url: String, _ settings: [String]) -> String {
        (["  - name: \(user)", "    match: { to_user: \"^\(user)$\" }", "    stream:", "      url: \"\(url)\""]
            + settings.map { "      \($0)" }).joined(separator: "\n")
    }

    @Test func unansweredPingsEndTheCall() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let dead = try await UnresponsiveAgent.start(mode: .ignorePings, group: group)
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 25, extraRoute: route("dead", dead.url, ["ping_interval_s: 1"]))
        let caller = try await harness.caller()
        // The pings run from the stream's opening, between the INVITE and its 200: the lower
        // bound is timed from before the INVITE, the upper one from the 200 (a loaded test
        // process can take a few hundred ms to see it).
        let invited = ContinuousClock.now
        #expect(try await caller.invite(user: "dead") == 200)
        let answered = ContinuousClock.now
        // Pings at 1 s and 2 s go unanswered; at 3 s the stream is declared dead.
        try await caller.waitForBye(timeout: .seconds(6))
        let sinceInvite = ContinuousClock.now - invited
        let sinceAnswer = ContinuousClock.now - answered
        #expect(sinceInvite >= .milliseconds(3000) && sinceAnswer < .milliseconds(4500), "BYE after \(sinceInvite) (\(sinceAnswer) after the 200)")
        let bye = try #require(caller.messages.first { $0.startLine.hasPrefix("BYE ") })
        #expect(bye.header("Reason")?.hasPrefix("Q.850;cause=41") == true)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
        await dead.stop()
        try await group.shutdownGracefully()
    }

    @Test func answeredPingsKeepTheCall() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 26, streamExtra: "ping_interval_s: 1")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        try await Task.sleep(for: .milliseconds(3500))
        #expect(!caller.messages.contains { $0.startLine.hasPrefix("BYE ") })
        #expect(harness.bridge.registry.activeCount == 1)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    /// 24 kHz L16 (≈ 70 kB/s of JSON) to a server that reads nothing: once the socket buffers
    /// fill, media waits in a 500 ms backlog and the oldest is dropped; the call stays up.
    @Test func aServerThatStopsReadingCostsABoundedBacklog() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let stalled = try await UnresponsiveAgent.start(mode: .stopReading, group: group)
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 27,
            extraRoute: route("slow", stalled.url, ["content_type: \"audio/x-l16;rate=24000\"", "max_backlog_ms: 500"]))
        let caller = try await harness.caller()
        #expect(try await caller.invite(user: "slow") == 200)
        let dropped = try await poll(timeout: .seconds(20), what: "media to be dropped") { () -> Int? in
            let status = try await harness.status()
            let media = ((status["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any]
            let count = media?["wsMediaDropped"] as? Int ?? 0
            return count >= 50 ? count : nil
        }
        #expect(dropped >= 50)
        let handle = try #require(harness.bridge.registry.handles.first)
        let waiting = try await handle.eventLoop.submit { handle.call.value.stream?.mediaFramesWaiting ?? -1 }.get()
        #expect(waiting >= 0 && waiting <= 25, "backlog bounded at 500 ms: \(waiting) frames")
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
        await stalled.stop()
        try await group.shutdownGracefully()
    }

    /// The AI server restarts (close 1001): with `reconnect_max_retries` the bridge opens a new
    /// stream at once, flagged with the old stream's id; the call and the caller's audio go on.
    @Test func aStreamLostMidCallIsReopenedWhenTheRouteAllowsIt() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 32, streamExtra: "reconnect_max_retries: 2")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let first = try await harness.agent.connection(0)
        let firstStart = try await first.waitFor("start")[0].json["start"] as? [String: Any]
        let firstID = try #require(firstStart?["streamId"] as? String)
        #expect(firstStart?["previousStreamId"] == nil)
        first.close(code: .goingAway)
        let second = try await harness.agent.connection(1, timeout: .seconds(5))
        let secondMessage = try await second.waitFor("start")[0]
        #expect(secondMessage.json["sequenceNumber"] as? Int == 1, "a fresh stream numbers from 1")
        let secondStart = secondMessage.json["start"] as? [String: Any]
        #expect(secondStart?["previousStreamId"] as? String == firstID)
        #expect((secondStart?["streamId"] as? String).map { $0 != firstID && $0.count == 36 } == true)
        for index in 0..<5 {
            try await caller.sendRTP(payload: pattern(160, seed: 40 + index), payloadType: 0, sequence: UInt16(index), timestamp: UInt32(index * 160))
        }
        let media = try await second.waitFor("media", count: 5)
        #expect((media[0].json["media"] as? [String: Any])?["chunk"] as? Int == 1)
        #expect(!caller.messages.contains { $0.startLine.hasPrefix("BYE ") })
        let status = try await harness.status()
        let stats = ((status["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any]
        #expect(stats?["streamReconnects"] as? Int == 1)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    /// A close with 1000 is the server ending the stream on purpose: no reconnect, BYE.
    @Test func aNormalCloseIsNeverReconnected() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 33, streamExtra: "reconnect_max_retries: 2")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        agent.close()
        try await caller.waitForBye(timeout: .seconds(5))
        #expect(harness.agent.allConnections.count == 1)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}
