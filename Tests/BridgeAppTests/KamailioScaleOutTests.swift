import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// Scale-out behind Kamailio (issue 8): sipp → Kamailio (`deploy/kamailio/kamailio.cfg`,
/// dispatcher, OPTIONS probes every second) → two real `sipbridge` processes, all on loopback.
/// Calls spread over both; a bridge killed with SIGKILL leaves the rotation within the probe
/// interval and every later call goes to the survivor; a restarted bridge comes back; a drained
/// bridge (it answers 503 to probes and INVITEs) gets no new call. No call fails in any phase.
@Suite(.serialized) struct KamailioScaleOutTests {
    // Fixed ports: Kamailio 43976, bridges' SIP 43977/43978 and status 43996/43997, sipp 43979
    // (control 43993, media 43994); RTP 38300-38499 (BridgeHarness indices 73 and 74, reserved).
    static let kamailioPort = 43976
    static let bridges = [(sip: 43977, status: 43996, rtp: "38300-38399"), (sip: 43978, status: 43997, rtp: "38400-38499")]

    private static var root: URL { BuiltBridge.root }
    private static var binary: String { BuiltBridge.binary }

    private static func startBridge(_ index: Int, agent: String, in directory: URL) async throws -> ExternalProcess {
        let bridge = bridges[index]
        let file = directory.appendingPathComponent("bridge\(index).yaml")
        try """
            sip: { listen: "udp://127.0.0.1:\(bridge.sip)" }
            rtp: { address: 127.0.0.1, port_range: "\(bridge.rtp)" }
            status: { listen: "127.0.0.1:\(bridge.status)" }
            records: { enabled: false }
            routes: [{ name: live, match: {}, stream: { url: "\(agent)" } }]
            """.write(to: file, atomically: true, encoding: .utf8)
        let process = try ExternalProcess(binary, ["run", "--config", file.path], directory: directory)
        _ = try await poll(timeout: .seconds(20), what: "bridge \(index) to listen") { process.log.contains("sipbridge running") ? true : nil }
        return process
    }

    private static func startKamailio(in directory: URL) async throws -> (ExternalProcess, control: String) {
        let kamailio = try #require(ExternalProcess.which("kamailio"), "kamailio is required (Debian kamailio)")
        let list = directory.appendingPathComponent("dispatcher.list")
        try bridges.map { "1 sip:127.0.0.1:\($0.sip) 0 0" }.joined(separator: "\n").appending("\n")
            .write(to: list, atomically: true, encoding: .utf8)
        let run = directory.appendingPathComponent("run").path
        // Kamailio's timer (its OPTIONS probes) and SIGTERM need signals the runner blocks.
        let process = try ExternalProcess.withDefaultSignals(
            kamailio,
            [
                "-DD", "-E", "-m", "32", "-M", "4", "-f", root.appendingPathComponent("deploy/kamailio/kamailio.cfg").path,
                "-Y", run, "-P", "\(run)/kamailio.pid", "-A", "LISTEN=udp:127.0.0.1:\(kamailioPort)",
                "-A", "DISPATCHER_LIST=\"\(list.path)\"", "-A", "PING_INTERVAL=1", "-A", "CHILDREN=2",
            ], directory: directory)
        let control = "unix:\(run)/kamailio_ctl"

        _ = try await poll(timeout: .seconds(20), what: "Kamailio to start") { states(control).count == 2 ? true : nil }
        return (process, control)
    }

    /// The dispatcher's view: bridge SIP port → flags (`AP` active, `IP` inactive, RFC-less
    /// Kamailio notation), through `kamcmd dispatcher.list`.
    private static func states(_ control: String) -> [Int: String] {
        guard let kamcmd = ExternalProcess.which("kamcmd") else { return [:] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kamcmd)
        process.arguments = ["-s", control, "dispatcher.list"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [:] }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var result: [Int: String] = [:]
        let pattern = /URI: sip:127\.0\.0\.1:(\d+)\s+FLAGS: (\w+)/
        for match in output.matches(of: pattern) { result[Int(match.1) ?? 0] = String(match.2) }
        return result
    }

    /// Places `count` 0.3 s calls through Kamailio with sipp; returns its exit status and log.
    private static func calls(_ count: Int, in directory: URL) async throws -> (Int32, String) {
        let sipp = try #require(ExternalProcess.which("sipp"), "sipp (Debian sip-tester) is required")
        let process = try ExternalProcess(
            sipp,
            [
                "127.0.0.1:\(kamailioPort)", "-sf", root.appendingPathComponent("deploy/kamailio/sipp-uac-rr.xml").path, "-s", "agent",
                "-i", "127.0.0.1", "-p", "43979", "-cp", "43993", "-mp", "43994", "-r", "10", "-m", "\(count)", "-l", "\(count)",
                "-d", "300", "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_err",
            ], directory: directory)
        return (try await process.wait(timeout: .seconds(40)), process.log)
    }

    /// Calls a bridge has answered (offered minus rejected), from its `/status`.
    private static func answered(_ index: Int) async throws -> Int {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(bridges[index].status)/status")!)
        let status = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (status["calls_offered"] as? Int ?? -1) - (status["calls_rejected"] as? Int ?? 0)
    }

    @Test func callsSpreadSurviveAKillAndSkipADrainedBridge() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the sipbridge executable first")
        let agent = try await TestAgent.start()
        let directory = try temporaryDirectory("kamailio")
        let a = try await Self.startBridge(0, agent: agent.url, in: directory)
        var b = try await Self.startBridge(1, agent: agent.url, in: directory)
        let (kamailio, control) = try await Self.startKamailio(in: directory)
        defer {
            kamailio.send(signal: SIGTERM)
            a.send(signal: SIGKILL)
            b.send(signal: SIGKILL)
        }
        let (a0, b0) = (Self.bridges[0].sip, Self.bridges[1].sip)

        // 1. Both up: round robin spreads 10 calls 5/5.
        var (status, log) = try await Self.calls(10, in: directory)
        #expect(status == 0, "every call succeeds: \(log.suffix(1500))")
        #expect(try await Self.answered(0) == 5)
        #expect(try await Self.answered(1) == 5)

        // 2. SIGKILL bridge B: the probes take it out (1 s interval, 2 s timeout), then every
        // call goes to A.
        b.send(signal: SIGKILL)
        _ = try await poll(timeout: .seconds(10), what: "the dispatcher to mark B inactive") {
            Self.states(control)[b0]?.hasPrefix("I") == true ? true : nil
        }
        (status, log) = try await Self.calls(10, in: directory)
        #expect(status == 0, "no call fails after a bridge died: \(log.suffix(1500))")
        #expect(try await Self.answered(0) == 15)

        // 3. Restart B on the same ports: back in the rotation after two good probes.
        b = try await Self.startBridge(1, agent: agent.url, in: directory)
        _ = try await poll(timeout: .seconds(10), what: "the dispatcher to mark B active again") {
            Self.states(control)[b0]?.hasPrefix("A") == true ? true : nil
        }

        // 4. Drain A: it answers the probes 503 and leaves; every new call goes to B.
        var drain = URLRequest(url: URL(string: "http://127.0.0.1:\(Self.bridges[0].status)/drain")!)
        drain.httpMethod = "POST"
        let (_, response) = try await URLSession.shared.data(for: drain)
        #expect((response as? HTTPURLResponse)?.statusCode == 202)
        _ = try await poll(timeout: .seconds(10), what: "the dispatcher to mark drained A inactive") {
            Self.states(control)[a0]?.hasPrefix("I") == true ? true : nil
        }
        (status, log) = try await Self.calls(10, in: directory)
        #expect(status == 0, "no call fails while a bridge drains: \(log.suffix(1500))")
        #expect(try await Self.answered(0) == 15, "the drained bridge took no new call")
        #expect(try await Self.answered(1) == 10)
        await agent.stop()
    }
}
