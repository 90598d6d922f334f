import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import NIOCore
import NIOPosix
import Testing
import TestSupport

@testable import BridgeApp

/// Calls the bridge must refuse, each with the right SIP answer and nothing leaked.
@Suite(.serialized)
struct CallSetupFailureTests {
    /// Starts a bridge with a custom route list and codec list.
    static func bridge(routes: String, codecs: String = "[PCMU, PCMA]", rtpRangeIndex: Int) async throws -> Bridge {
        let yaml = """
            sip: { listen: "udp://127.0.0.1:0", timers: { t1_ms: 100 } }
            rtp: { address: 127.0.0.1, port_range: "\(BridgeHarness.rtpRange(rtpRangeIndex))", codecs: \(codecs) }
            status: { listen: "127.0.0.1:0" }
            routes:
            \(routes)
            """
        var logger = Logger(label: "bridge-test")
        logger.logLevel = .warning
        return try await Bridge.start(config: try BridgeConfig.parse(yaml: yaml, environment: [:]), logger: logger)
    }

    @Test func noMatchingRouteIs404() async throws {
        let bridge = try await Self.bridge(
            routes: "  - { name: only, match: { to_user: \"^42$\" }, stream: { url: \"ws://127.0.0.1:9/ws\" } }",
            rtpRangeIndex: 7)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let caller = try await TestCaller(bridgePort: bridge.sipPort, group: group)
        #expect(try await caller.invite(user: "43") == 404)
        #expect(bridge.registry.portsInUse == 0)
        await caller.close()
        await bridge.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func offerWithoutCommonCodecIs488() async throws {
        let bridge = try await Self.bridge(
            routes: "  - { name: any, match: {}, stream: { url: \"ws://127.0.0.1:9/ws\" } }", codecs: "[PCMU]",
            rtpRangeIndex: 8)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let caller = try await TestCaller(bridgePort: bridge.sipPort, group: group)
        #expect(try await caller.invite(payloadType: 8) == 488)
        #expect(bridge.registry.portsInUse == 0)
        await caller.close()
        await bridge.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func unreachableAIServerIs503AndReleasesThePorts() async throws {
        // A port nothing listens on, held for the whole test: the connect is refused at once.
        let refusing = try RefusingTCPPort()
        let port = refusing.port
        defer { withExtendedLifetime(refusing) {} }
        let bridge = try await Self.bridge(
            routes: "  - { name: any, match: {}, stream: { url: \"ws://127.0.0.1:\(port)/ws\" } }", rtpRangeIndex: 9)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let caller = try await TestCaller(bridgePort: bridge.sipPort, group: group)
        #expect(try await caller.invite() == 503)
        let response = try #require(caller.responses(to: "INVITE").last)
        #expect(response.header("Retry-After") != nil)
        _ = try await poll(timeout: .seconds(5), what: "ports released") {
            bridge.registry.portsInUse == 0 && bridge.registry.activeCount == 0 ? true : nil
        }
        await caller.close()
        await bridge.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func aiServerThatNeverUpgradesTimesOutWith503() async throws {
        // Accepts TCP and never answers the upgrade: the connect timeout must fire.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let silent = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(silent.localAddress?.port)
        let bridge = try await Self.bridge(
            routes: "  - { name: any, match: {}, stream: { url: \"ws://127.0.0.1:\(port)/ws\", connect_timeout_ms: 300 } }",
            rtpRangeIndex: 10)
        let caller = try await TestCaller(bridgePort: bridge.sipPort, group: group)
        let started = ContinuousClock.now
        #expect(try await caller.invite() == 503)
        #expect(ContinuousClock.now - started < .seconds(3))
        _ = try await poll(timeout: .seconds(5), what: "ports released") {
            bridge.registry.portsInUse == 0 && bridge.registry.activeCount == 0 ? true : nil
        }
        await caller.close()
        await bridge.shutdown()
        try await silent.close()
        try await group.shutdownGracefully()
    }

    @Test func statusEndpointShowsTheLiveCall() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 11)
        let caller = try await harness.caller()
        #expect(try await caller.invite(user: "status-test") == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        for index in 0..<10 {
            try await caller.sendRTP(
                payload: pattern(160, seed: index), payloadType: 0, sequence: UInt16(index), timestamp: UInt32(index * 160))
        }
        try await agent.waitFor("media", count: 10)

        let base = "http://127.0.0.1:\(harness.bridge.statusPort)"
        let (health, healthResponse) = try await URLSession.shared.data(from: URL(string: "\(base)/healthz")!)
        #expect((healthResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: health, as: UTF8.self) == "ok\n")
        let (data, response) = try await URLSession.shared.data(from: URL(string: "\(base)/status")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let status = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(status["calls_active"] as? Int == 1)
        let calls = try #require(status["calls"] as? [[String: Any]])
        let call = try #require(calls.first)
        let start = try #require(agent.messages.first?.json["start"] as? [String: Any])
        #expect(call["call_id"] as? String == start["callId"] as? String)
        #expect(call["stream_id"] as? String == start["streamId"] as? String)
        #expect(call["from"] as? String == "caller")
        #expect(call["to"] as? String == "status-test")
        #expect(call["route"] as? String == "agent")
        #expect(call["codec"] as? String == "PCMU")
        let media = try #require(call["media"] as? [String: Any])
        #expect(media["packetsIn"] as? Int == 10)
        #expect((media["packetsOut"] as? Int ?? 0) > 0)
        // The 20 ms stream clock runs on after the ten packets (spec §3.2), so by the time
        // /status answers one more frame may be out; the agent has seen everything counted.
        let sent = try #require(media["mediaSent"] as? Int)
        try await Task.sleep(for: .milliseconds(50))
        #expect(sent >= 10 && sent <= agent.events("media").count, "mediaSent \(sent)")

        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}
