import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOPosix
import Testing
import TestSupport

@testable import BridgeApp

/// Zero-drop deploys (issue 6): drain refuses new calls at the SIP and HTTP level while the
/// calls in progress go on; the drain timeout bounds it; SIGTERM on the real process drains.
@Suite(.serialized)
struct DrainTests {
    private func get(_ port: Int, _ path: String, method: String = "GET") async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func drainRefusesNewCallsAndKeepsTheCurrentOnes() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 35)
        let port = harness.bridge.statusPort
        #expect(try await get(port, "/readyz") == (200, "ready\n"))
        let first = try await harness.caller()
        #expect(try await first.invite() == 200)
        #expect(try await first.options().status == 200)

        let (status, body) = try await get(port, "/drain", method: "POST")
        #expect(status == 202)
        #expect(body.contains(#""calls_active":1"#))
        #expect(try await get(port, "/readyz") == (503, "draining\n"))
        let second = try await harness.caller()
        #expect(try await second.invite() == 503)
        #expect(second.responses(to: "INVITE").last?.header("Retry-After") == "30")
        let probe = try await second.options()
        #expect(probe.status == 503, "a dispatcher's OPTIONS probe takes the bridge out of rotation")
        #expect(probe.header("Retry-After") == "30")

        // The call in progress is untouched: audio still flows, and it ends normally.
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        try await first.sendRTP(payload: pattern(160), payloadType: 0, sequence: 1, timestamp: 160)
        try await agent.waitFor("media", count: 5)
        #expect(try await first.bye() == 200)
        try await harness.waitIdle()
        await first.close()
        await second.close()
        await harness.stop()
    }

    @Test func callsLeftAfterTheDrainTimeoutAreHungUp() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 36)
        // Its own event loops: the harness's stop below shuts the harness's group down.
        let caller = try await TestCaller(bridgePort: harness.bridge.sipPort, group: MultiThreadedEventLoopGroup.singleton)
        #expect(try await caller.invite() == 200)
        let started = ContinuousClock.now
        #expect(await harness.bridge.drain(timeout: .milliseconds(500)) == 1)
        #expect(ContinuousClock.now - started >= .milliseconds(500))
        await harness.stop()
        try await caller.waitForBye(timeout: .seconds(5))
        let bye = try #require(caller.messages.first { $0.startLine.hasPrefix("BYE ") })
        #expect(bye.header("Reason")?.hasPrefix("Q.850;cause=42") == true)
        await caller.close()
    }

    /// The real process: SIGTERM drains (the call goes on, /readyz says draining), and the
    /// process exits 0 as soon as the last call ends, well before drain_timeout_s.
    @Test func sigtermDrainsTheRunningProcess() async throws {
        let binary = try BuiltBridge.require()
        let agent = try await TestAgent.start()
        let directory = try temporaryDirectory("drain")
        let config = directory.appendingPathComponent("bridge.yaml")
        try """
            sip: { listen: "udp://127.0.0.1:43100" }
            rtp: { address: 127.0.0.1, port_range: "36600-36699" }
            status: { listen: "127.0.0.1:43101" }
            shutdown: { drain_timeout_s: 30 }
            routes:
              - name: agent
                match: {}
                stream: { url: "\(agent.url)" }
            """.write(to: config, atomically: true, encoding: .utf8)
        let bridge = try ExternalProcess(binary, ["run", "--config", config.path, "--log-format", "json"], directory: directory)
        _ = try await poll(timeout: .seconds(20), what: "the bridge to be ready") {
            (try? await get(43101, "/readyz"))?.0 == 200 ? true : nil
        }
        let caller = try await TestCaller(bridgePort: 43100, group: MultiThreadedEventLoopGroup.singleton)
        #expect(try await caller.invite() == 200)
        bridge.send(signal: SIGTERM)
        _ = try await poll(timeout: .seconds(5), what: "readyz to say draining") {
            (try? await get(43101, "/readyz"))?.1 == "draining\n" ? true : nil
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(bridge.isRunning, "the call keeps the process up")
        #expect(try await caller.bye() == 200)
        #expect(try await bridge.wait(timeout: .seconds(10)) == 0)
        #expect(!caller.messages.contains { $0.startLine.hasPrefix("BYE ") }, "the call was not cut")
        // --log-format json: every line the process wrote (logs on stderr, the call record on
        // stdout) is one JSON object; the call's lines carry its ids.
        let lines = bridge.log.split(separator: "\n").filter { !$0.isEmpty }
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "not JSON: \(lines.filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil })")
        #expect(objects.contains { $0["msg"] as? String == "sipbridge running" && $0["level"] as? String == "info" })
        #expect(objects.contains { $0["call.id"] != nil && $0["sip.call_id"] != nil && $0["msg"] != nil })
        #expect(objects.contains { $0["end_reason"] as? String == "caller hung up" })  // the CDR
        await caller.close()
        await agent.stop()
    }

    /// `routes[].max_calls`: a second call on a route limited to one gets 503 + Retry-After.
    @Test func aFullRouteRefusesTheNextCall() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 41, routeExtra: "max_calls: 1")
        let first = try await harness.caller()
        #expect(try await first.invite() == 200)
        let second = try await harness.caller()
        #expect(try await second.invite() == 503)
        #expect(second.responses(to: "INVITE").last?.header("Retry-After") == "5")
        #expect(try await first.bye() == 200)
        try await harness.waitIdle()
        let third = try await harness.caller()
        #expect(try await third.invite() == 200, "room again once the first call ended")
        #expect(try await third.bye() == 200)
        try await harness.waitIdle()
        for caller in [first, second, third] { await caller.close() }
        await harness.stop()
    }

    /// `sip.max_calls`: at capacity the next INVITE gets 503 and so do out-of-dialog OPTIONS
    /// (a dispatcher's probe), until a call ends; in-dialog OPTIONS still get 200.
    @Test func aFullBridgeAnswersProbesWithServiceUnavailable() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 58, sipExtra: "max_calls: 1")
        let probe = try await harness.caller()
        #expect(try await probe.options().status == 200)
        let first = try await harness.caller()
        #expect(try await first.invite() == 200)
        let full = try await poll(timeout: .seconds(5), what: "OPTIONS answered 503 while full") {
            let response = try await probe.options()
            return response.status == 503 ? response : nil
        }
        #expect(full.header("Retry-After") == "5")
        #expect(try await first.inDialog("OPTIONS").status == 200, "the call's own keepalive is not refused")
        let second = try await harness.caller()
        #expect(try await second.invite() == 503)
        #expect(try await first.bye() == 200)
        try await harness.waitIdle()
        _ = try await poll(timeout: .seconds(5), what: "OPTIONS answered 200 again") {
            try await probe.options().status == 200 ? true : nil
        }
        for caller in [probe, first, second] { await caller.close() }
        await harness.stop()
    }
}
