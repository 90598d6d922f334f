import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

@testable import BridgeApp

/// The live dashboard at `/` (issue 6): the page itself, and a real browser showing a live call.
///
/// Headless Chromium probes the network on its own (DNS, component updates, …). It runs only in
/// the loopback-only namespace of `scripts/test`, as `nobody`, and an nftables rule in that
/// namespace drops everything `nobody` sends except TCP to the status port.
@Suite(.serialized)
struct DashboardTests {
    @Test func thePageIsServedWithoutTheTokenAndTheDataIsNot() async throws {
        let token = "0123456789abcdef0123"
        let harness = try await BridgeHarness.start(rtpRangeIndex: 59, statusExtra: "token: \"\(token)\"")
        let base = "http://127.0.0.1:\(harness.bridge.statusPort)"
        let (page, response) = try await URLSession.shared.data(from: URL(string: base + "/")!)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(http.value(forHTTPHeaderField: "Content-Type") == "text/html; charset=utf-8")
        #expect(http.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("connect-src 'self'") == true)
        let html = String(decoding: page, as: UTF8.self)
        #expect(html.contains("<tbody id=\"calls\">") && html.contains("fetch(\"status\""))
        #expect(!html.contains(token))
        let (_, statusResponse) = try await URLSession.shared.data(from: URL(string: base + "/status")!)
        #expect((statusResponse as? HTTPURLResponse)?.statusCode == 401)
        await harness.stop()
    }

    @Test(
        .enabled(if: NetworkIsolation.onlyLoopback, "runs Chromium only in the loopback-only namespace of scripts/test"),
        .enabled(if: ExternalProcess.which("chromium") != nil, "needs Debian's chromium (scripts/setup installs it)"))
    func chromiumShowsALiveCallWithItsRouteAndLevel() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 60, codecs: "[PCMU]")
        let port = harness.bridge.statusPort
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        // Loud audio from the caller for as long as the browser looks (at most 15 s), so the
        // caller → AI meter stands high (≥ 50 %, above −30 dBFS: a few concealed frames on a
        // loaded machine lower it ≈ 1.4 dB each).
        let loud = [UInt8](repeating: 0x80, count: 160)
        let talker = Task {
            // Timestamps follow the clock (a late wake-up sends the missed frames at once, as a
            // real phone's sender does), so a loaded machine delays packets but never makes the
            // stream fall behind its own timeline.
            let start = ContinuousClock.now
            var sent = 0
            while sent < 750, !Task.isCancelled {
                let due = min(749, Int((ContinuousClock.now - start) / .milliseconds(20)))
                while sent <= due {
                    try await caller.sendRTP(payload: loud, payloadType: 0, sequence: UInt16(sent), timestamp: UInt32(sent * 160))
                    sent += 1
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        defer { talker.cancel() }
        let callID = try await poll(timeout: .seconds(5), what: "the call in /status with its level") {
            let calls = try await harness.status()["calls"] as? [[String: Any]] ?? []
            return calls.first.flatMap { ($0["level_in_dbfs"] as? Double ?? -96) > -10 ? $0["call_id"] as? String : nil }
        }

        let directory = try temporaryDirectory("dashboard")
        defer { try? FileManager.default.removeItem(at: directory) }
        let table = "sipbridge_dashboard_\(getpid())"
        try await run("nft", [
            "add table inet \(table); "
                + "add chain inet \(table) out { type filter hook output priority 0; policy accept; }; "
                + "add rule inet \(table) out meta skuid 65534 tcp dport != \(port) drop; "
                + "add rule inet \(table) out meta skuid 65534 meta l4proto != tcp drop",
        ])
        defer { _ = try? Process.run(URL(fileURLWithPath: "/usr/sbin/nft"), arguments: ["delete table inet \(table)"]).waitUntilExit() }
        try await run("chown", ["nobody:nogroup", directory.path])
        let chromium = try ExternalProcess(
            "/usr/bin/setpriv",
            ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", "HOME=\(directory.path)",
             "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
             "--user-data-dir=\(directory.path)/profile", "--virtual-time-budget=4000",
             "--dump-dom", "http://127.0.0.1:\(port)/"],
            directory: directory)
        let exit = try await chromium.wait(timeout: .seconds(90))
        let dom = chromium.log
        #expect(exit == 0, "\(dom.suffix(2000))")
        // The table has the live call's row: its id, route, codec, state, and a moving meter.
        let row = try #require(dom.range(of: "data-call-id=\"\(callID)\"").map { String(dom[$0.lowerBound...].prefix(1500)) }, "\(dom.suffix(3000))")
        #expect(row.contains("<td>\(callID.prefix(8))</td>"))
        #expect(row.contains("<td>agent</td>") && row.contains("<td>PCMU</td>"))
        #expect(row.contains("class=\"state-active\">active</td>"))
        #expect(row.range(of: #"<i style="width: ([5-9][0-9]|100)%;?"></i>"#, options: .regularExpression) != nil, "\(row)")
        #expect(dom.contains("<b id=\"active\">1</b>"))

        talker.cancel()
        _ = await talker.result
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    private func run(_ tool: String, _ arguments: [String]) async throws {
        let directory = FileManager.default.temporaryDirectory
        let path = try #require(ExternalProcess.which(tool), "\(tool) is not installed")
        let process = try ExternalProcess(path, arguments, directory: directory)
        let status = try await process.wait(timeout: .seconds(10))
        if status != 0 { throw TestFailure("\(tool) \(arguments.joined(separator: " ")) failed: \(process.log)") }
    }
}
