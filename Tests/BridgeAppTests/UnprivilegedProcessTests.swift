import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport

/// The real process as the unprivileged user that `deploy/systemd/sipbridge.service` runs it
/// as (no capabilities but binding low ports): a call over UDP and one over TCP, each streamed
/// to the AI server. A socket option only root may set (SO_DEBUG, which `socketOption(.tcp_nodelay)`
/// set by mistake: the option number at the socket level) failed every WebSocket connect and
/// every accepted SIP connection there, while every root-run test passed.
@Suite(.serialized) struct UnprivilegedProcessTests {
    // Fixed ports: SIP 43980 (UDP and TCP), status 43981, RTP 39200-39299 (BridgeHarness index 82, reserved).
    private static func config(agent: String) -> String {
        """
        sip: { listen: ["udp://127.0.0.1:43980", "tcp://127.0.0.1:43980"] }
        rtp: { address: 127.0.0.1, port_range: "39200-39299" }
        status: { listen: "127.0.0.1:43981" }
        records: { enabled: false }
        routes:
          - { name: agent, match: {}, stream: { url: "\(agent)" } }
        """
    }

    /// The user id the process runs as (/proc/PID/status, the real uid).
    private static func uid(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") })
        else { return nil }
        return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap { Int($0) }
    }

    @Test(.enabled(if: getuid() == 0 && ExternalProcess.which("setpriv") != nil, "needs root to drop to nobody, and setpriv"))
    func callsOverUDPAndTCPAsAnUnprivilegedUser() async throws {
        let built = BuiltBridge.binary
        try #require(FileManager.default.isExecutableFile(atPath: built), "build the sipbridge executable first")
        let directory = try temporaryDirectory("unprivileged")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A copy the user can reach and run (the build tree may sit under a private directory).
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        let binary = directory.appendingPathComponent("sipbridge").path
        try FileManager.default.copyItem(atPath: built, toPath: binary)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary)
        let agent = try await TestAgent.start()
        let file = directory.appendingPathComponent("bridge.yaml")
        try Self.config(agent: agent.url).write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        // `nobody`, no supplementary groups, no capabilities (setpriv keeps none for a non-root uid).
        let bridge = try ExternalProcess(
            try #require(ExternalProcess.which("setpriv")),
            ["--reuid=65534", "--regid=65534", "--clear-groups", binary, "run", "--config", file.path], directory: directory)
        defer { bridge.send(signal: SIGKILL) }
        _ = try await poll(timeout: .seconds(20), what: "the bridge to listen") {
            bridge.log.contains("sipbridge running") ? true : nil
        }
        #expect(Self.uid(of: bridge.pid) == 65534)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

        // UDP: the stream opens (a WebSocket from the unprivileged process).
        let caller = try await TestCaller(bridgePort: 43980, group: group)
        #expect(try await caller.invite() == 200, "\(bridge.log.suffix(1500))")
        _ = try await agent.connection().waitFor("start")
        #expect(try await caller.bye() == 200)

        // TCP: the accepted connection carries the whole call.
        let rtp = try await UDPEndpoint.bind(group: group)
        let client = try await StreamSIPClient.connect(port: 43980, group: group)
        let callID = "tcp-\(UUID().uuidString)"
        try await client.send(StreamSIPRequest.invite(transport: "tcp", callID: callID, localPort: client.localPort, rtpPort: rtp.port))
        let ok = try await client.receive(what: "200 to the INVITE over TCP") { $0.status == 200 && $0.header("CSeq") == "1 INVITE" }
        let tag = try #require(ok.header("To")?.components(separatedBy: "tag=").last)
        try await client.send(StreamSIPRequest.request("ACK", transport: "tcp", callID: callID, cseq: 1, localPort: client.localPort, toTag: tag))
        _ = try await agent.connection(1).waitFor("start")
        _ = try await poll(timeout: .seconds(5), what: "RTP from the bridge") { rtp.datagrams.count >= 3 ? true : nil }
        try await client.send(StreamSIPRequest.request("BYE", transport: "tcp", callID: callID, cseq: 2, localPort: client.localPort, toTag: tag))
        _ = try await client.receive(what: "200 to the BYE") { $0.status == 200 && $0.header("CSeq") == "2 BYE" }

        try await bridge.interrupt()
        await client.close()
        await caller.close()
        await rtp.close()
        await agent.stop()
        try await group.shutdownGracefully()
    }
}
