import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOPosix
import Testing
import TestSupport

/// SIGTERM during 50 live calls (issue 8): the real process drains — new INVITEs get 503, every
/// call already up runs to its normal end (sipp counts a call with an unexpected BYE or a
/// failed BYE as failed), and the process exits 0 once the last one is over.
@Suite(.serialized)
struct DrainUnderLoadTests {
    // Fixed ports: SIP 43800, status 43801, sipp 43802 (control 43803, media 43804); RTP
    // 38100-38199 (BridgeHarness index 71, reserved): exactly 50 port pairs.
    private static func status() async throws -> [String: Any] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:43801/status")!)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    @Test func sigtermDuringFiftyCallsDropsNone() async throws {
        let binary = try BuiltBridge.require()
        let sipp = try #require(ExternalProcess.which("sipp"), "sipp (Debian sip-tester) is required")
        let agent = try await TestAgent.start()
        let directory = try temporaryDirectory("drain-load")
        let config = directory.appendingPathComponent("bridge.yaml")
        try """
            sip: { listen: "udp://127.0.0.1:43800" }
            rtp: { address: 127.0.0.1, port_range: "38100-38199" }
            status: { listen: "127.0.0.1:43801" }
            shutdown: { drain_timeout_s: 60 }
            records: { enabled: false }
            routes: [{ name: agent, match: {}, stream: { url: "\(agent.url)", connect_timeout_ms: 15000 } }]
            """.write(to: config, atomically: true, encoding: .utf8)
        let bridge = try ExternalProcess(binary, ["run", "--config", config.path], directory: directory)
        defer { bridge.send(signal: SIGKILL) }
        _ = try await poll(timeout: .seconds(20), what: "the bridge to listen") { bridge.log.contains("sipbridge running") ? true : nil }

        // 50 calls of 10 s, set up at 50/s.
        let calls = try ExternalProcess(
            sipp,
            [
                "127.0.0.1:43800", "-sn", "uac", "-s", "agent", "-i", "127.0.0.1", "-p", "43802", "-cp", "43803", "-mp", "43804",
                "-r", "50", "-m", "50", "-l", "50", "-d", "10000", "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err",
            ], directory: directory)
        // Up = answered: the stream is connected (calls_active also counts calls still connecting).
        _ = try await poll(timeout: .seconds(20), what: "50 calls up") { () -> Bool? in
            guard agent.allConnections.count == 50 else { return nil }
            return (try? await Self.status())?["calls_active"] as? Int == 50 ? true : nil
        }
        bridge.send(signal: SIGTERM)
        let drainedAt = ContinuousClock.now
        _ = try await poll(timeout: .seconds(5), what: "the bridge to drain") {
            (try? await Self.status())?["draining"] as? Bool == true ? true : nil
        }
        let late = try await TestCaller(bridgePort: 43800, group: MultiThreadedEventLoopGroup.singleton)
        #expect(try await late.invite() == 503, "no new call while draining")
        await late.close()

        #expect(try await calls.wait(timeout: .seconds(40)) == 0, "every call ended normally: \(calls.log.suffix(1500))")
        #expect(try await bridge.wait(timeout: .seconds(15)) == 0, "exits once the last call is over")
        let waited = ContinuousClock.now - drainedAt
        #expect(waited < .seconds(30), "long before drain_timeout_s (\(waited))")
        #expect(bridge.log.contains("drain finished"))
        await agent.stop()
    }
}
