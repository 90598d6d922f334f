import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// `sipbridge demo --call` (issue 6): the real process places a sipp call through itself and the
/// embedded echo agent and prints a summary with what each leg carried; `/status` and `/metrics`
/// show the live sipp call.
struct DemoCallTests {
    @Test(.enabled(if: ExternalProcess.which("sipp") != nil, "needs sipp (Debian sip-tester)"))
    func theDemoPlacesATestCallAndSummarisesIt() async throws {
        let binary = try BuiltBridge.require()
        let directory = try temporaryDirectory("demo-call")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Fixed ports: SIP 43970, status 43971, RTP 37100-37199 (BridgeHarness index 61, reserved).
        let demo = try ExternalProcess(
            binary,
            ["demo", "--call", "--call-seconds", "10", "--sip-port", "43970", "--status-port", "43971", "--rtp-ports", "37100-37199", "--log-level", "warning"],
            directory: directory)
        defer { demo.send(signal: SIGKILL) }
        // While sipp's call is up, /status lists it and /metrics counts it (live media counters).
        let status = URL(string: "http://127.0.0.1:43971/status")!
        let live = try await poll(timeout: .seconds(30), what: "the sipp call in /status with audio flowing") {
            guard let (data, _) = try? await URLSession.shared.data(from: status),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let call = (object["calls"] as? [[String: Any]])?.first,
                ((call["media"] as? [String: Any])?["packetsIn"] as? Int ?? 0) >= 25
            else { return nil as String? }
            return "\(call["route"] ?? "")/\(call["codec"] ?? "")/\(call["from"] ?? "")/\(call["to"] ?? "")"
        }
        #expect(live == "demo-echo/PCMU/sipp/echo")
        let (metricsData, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:43971/metrics")!)
        let metrics = String(decoding: metricsData, as: UTF8.self)
        #expect(metrics.contains("sipbridge_calls_active 1"), "\(metrics.prefix(600))")
        let packetsIn = metrics.firstMatch(of: /sipbridge_rtp_packets_total\{direction="in"\} (\d+)/).flatMap { Int($0.1) } ?? 0
        #expect(packetsIn >= 25, "counted while the call is up")
        let log = try await poll(timeout: .seconds(60), what: "the test call's summary") {
            demo.log.contains("(figures as of") || demo.log.contains("call FAILED") ? demo.log : nil
        }
        #expect(log.contains("sipp:        call succeeded (INVITE/200/ACK, 10 s of tone"), "\(log)")
        #expect(log.contains("route demo-echo, codec PCMU"))
        // 10 s of tone = 500 packets in (a 10 s call, so that a loaded machine's slow start
        // cannot miss it live); the echo comes back as RTP carrying audio.
        let inbound = try #require(log.firstMatch(of: /caller → AI: (\d+) RTP packets → (\d+) media events/), "\(log)")
        #expect(Int(inbound.1) ?? 0 >= 450 && Int(inbound.2) ?? 0 >= 450)
        let outbound = try #require(log.firstMatch(of: /AI → caller: (\d+) playAudio → (\d+) RTP packets, (\d+) with the echoed audio, (\d+) underruns/))
        #expect(Int(outbound.1) ?? 0 >= 20)
        #expect(Int(outbound.3) ?? 0 >= 400, "\(log)")
        // The call record (stdout) has the same call, ended by the caller.
        #expect(log.contains("\"end_reason\":\"caller hung up\"") && log.contains("\"route\":\"demo-echo\""))
        try await demo.interrupt()
        #expect(!demo.isRunning)
    }
}
