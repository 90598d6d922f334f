import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import NIOPosix
import Testing
import TestSupport

/// Faults on the real process (issue 8): an AI server that accepts TCP but never upgrades
/// (connect timeout → 503), an AI server that goes away mid-call (the route's action: BYE), file
/// descriptors and RTP ports back to their baseline afterwards, and SIGKILL then an immediate
/// restart on the same ports.
@Suite(.serialized) struct ProcessFaultTests {
    // Fixed ports: SIP 43974, status 43975, RTP 38500-38599 (BridgeHarness index 75, reserved).
    private static func config(hang: String, live: String) -> String {
        """
        sip: { listen: "udp://127.0.0.1:43974" }
        rtp: { address: 127.0.0.1, port_range: "38500-38599" }
        status: { listen: "127.0.0.1:43975" }
        records: { enabled: false }
        routes:
          - { name: hang, match: { to_user: "^hang$" }, stream: { url: "\(hang)", connect_timeout_ms: 800 } }
          - { name: live, match: { to_user: "^live$" }, stream: { url: "\(live)" } }
        """
    }

    private static var binary: String { BuiltBridge.binary }

    private static func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    private static func descriptorTargets(_ pid: Int32) -> [String] {
        let directory = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.map { (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\($0)")) ?? "?" }.sorted()
    }

    private static func status() async throws -> [String: Any] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:43975/status")!)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    private static func start(_ file: URL, in directory: URL) async throws -> ExternalProcess {
        let bridge = try ExternalProcess(binary, ["run", "--config", file.path], directory: directory)
        _ = try await poll(timeout: .seconds(20), what: "the bridge to listen") {
            bridge.log.contains("sipbridge running") ? true : nil
        }
        return bridge
    }

    @Test func deadAIServersCostNothingAndAKilledBridgeRestartsAtOnce() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the sipbridge executable first")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let mute = try await UnresponsiveAgent.start(mode: .neverUpgrade, group: group)
        let agent = try await TestAgent.start()
        let directory = try temporaryDirectory("faults")
        let file = directory.appendingPathComponent("bridge.yaml")
        try Self.config(hang: mute.url, live: agent.url).write(to: file, atomically: true, encoding: .utf8)
        var bridge = try await Self.start(file, in: directory)
        defer { bridge.send(signal: SIGKILL) }
        let pid = bridge.pid
        try await Task.sleep(for: .milliseconds(300))
        let baseline = Self.openDescriptors(pid)

        // Accepts TCP, never upgrades: 503 once connect_timeout_ms has passed.
        let caller = try await TestCaller(bridgePort: 43974, group: group)
        let before = ContinuousClock.now
        #expect(try await caller.invite(user: "hang") == 503)
        let waited = ContinuousClock.now - before
        #expect(waited >= .milliseconds(700) && waited < .seconds(4), "503 after \(waited)")
        #expect(caller.responses(to: "INVITE").last?.header("Retry-After") == "5")
        // ... and the half-open connection is closed, not left behind.
        _ = try await poll(timeout: .seconds(5), what: "the bridge to close the unanswered connection") {
            mute.openConnections == 0 ? true : nil
        }

        // The AI server goes away mid-call: the route's action (hang up) sends BYE.
        let second = try await TestCaller(bridgePort: 43974, group: group)
        #expect(try await second.invite(user: "live") == 200)
        _ = try await agent.connection().waitFor("start")
        await agent.stop()
        try await second.waitForBye(timeout: .seconds(10))

        // Nothing leaked: no call, no RTP port, descriptors back to the baseline.
        _ = try await poll(timeout: .seconds(10), what: "no call and no RTP port") {
            let status = try await Self.status()
            return (status["calls_active"] as? Int) == 0 && (status["rtp_ports_in_use"] as? Int) == 0 ? true : nil
        }
        // (+1: the keep-alive connection of the /status requests just made.)
        _ = try? await poll(timeout: .seconds(5), what: "descriptors back") { Self.openDescriptors(pid) <= baseline + 1 ? true : nil }
        #expect(Self.openDescriptors(pid) <= baseline + 1, "descriptors: \(baseline) before, now \(Self.descriptorTargets(pid))")

        // SIGKILL, then the same ports at once: the new process listens and takes a call.
        bridge.send(signal: SIGKILL)
        _ = try await bridge.wait(timeout: .seconds(5))
        let restarted = ContinuousClock.now
        let fresh = try await TestAgent.start()
        try Self.config(hang: mute.url, live: fresh.url).write(to: file, atomically: true, encoding: .utf8)
        bridge = try await Self.start(file, in: directory)
        #expect(ContinuousClock.now - restarted < .seconds(10))
        let third = try await TestCaller(bridgePort: 43974, group: group)
        #expect(try await third.invite(user: "live") == 200)
        #expect(try await third.bye(user: "live") == 200)

        for caller in [caller, second, third] { await caller.close() }
        await fresh.stop()
        await mute.stop()
        try await group.shutdownGracefully()
    }
}
