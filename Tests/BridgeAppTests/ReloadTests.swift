import Foundation
import NIOPosix
import Testing
import TestSupport

@testable import BridgeApp

/// SIGHUP on the real process (issue 6): a valid file changes the routes for new calls; an
/// invalid one is logged by key path and the running configuration stays.
@Suite(.serialized) struct ReloadTests {
    private static func config(routes: String) -> String {
        """
        sip: { listen: "udp://127.0.0.1:43150" }
        rtp: { address: 127.0.0.1, port_range: "36700-36799" }
        status: { listen: "127.0.0.1:43151" }
        records: { enabled: false }
        routes:
        \(routes)
        """
    }

    private static func route(_ name: String, _ pattern: String, _ url: String) -> String {
        "  - { name: \(name), match: { to_user: \"\(pattern)\" }, stream: { url: \"\(url)\" } }"
    }

    /// Places one call to `user` and hangs up if it was answered; returns the final status.
    private static func call(_ user: String) async throws -> Int {
        let caller = try await TestCaller(bridgePort: 43150, group: MultiThreadedEventLoopGroup.singleton)
        defer { Task { await caller.close() } }
        let status = try await caller.invite(user: user)
        if status == 200 { _ = try await caller.bye(user: user) }
        return status
    }

    @Test func sighupSwapsRoutesAndKeepsTheOldOnesOnABadFile() async throws {
        let binary = try BuiltBridge.require()
        let agent = try await TestAgent.start()
        let directory = try temporaryDirectory("reload")
        let file = directory.appendingPathComponent("bridge.yaml")
        try Self.config(routes: Self.route("alpha", "^alpha$", agent.url)).write(to: file, atomically: true, encoding: .utf8)
        let bridge = try ExternalProcess(binary, ["run", "--config", file.path], directory: directory)
        defer { bridge.send(signal: SIGKILL) }
        _ = try await poll(timeout: .seconds(20), what: "the bridge to listen") { bridge.log.contains("sipbridge running") ? true : nil }
        #expect(try await Self.call("alpha") == 200)
        #expect(try await Self.call("beta") == 404)

        let both = [Self.route("alpha", "^alpha$", agent.url), Self.route("beta", "^beta$", agent.url)].joined(separator: "\n")
        try Self.config(routes: both).write(to: file, atomically: true, encoding: .utf8)
        bridge.send(signal: SIGHUP)
        _ = try await poll(timeout: .seconds(5), what: "the reload") { bridge.log.contains("configuration applied") ? true : nil }
        #expect(try await Self.call("beta") == 200)

        try (Self.config(routes: both) + "\nbogus: 1\n").write(to: file, atomically: true, encoding: .utf8)
        bridge.send(signal: SIGHUP)
        _ = try await poll(timeout: .seconds(5), what: "the refused reload") { bridge.log.contains("invalid configuration") ? true : nil }
        #expect(bridge.log.contains("bogus"), "the log names the bad key")
        #expect(bridge.isRunning)
        #expect(try await Self.call("beta") == 200, "the running configuration stays")

        bridge.send(signal: SIGTERM)
        #expect(try await bridge.wait(timeout: .seconds(10)) == 0)
        await agent.stop()
    }
}
