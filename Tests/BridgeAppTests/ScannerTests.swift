import Foundation
import Testing
import SIPIngress
import TestSupport

@testable import BridgeApp

/// A SIPVicious scan (issue 8, Debian `sipvicious`) of a bridge whose `sip.trusted_sources`
/// admits only the carrier (127.0.0.2 here; the scanner comes from 127.0.0.1): with
/// `untrusted_action: drop` svmap and svwar find nothing at all; with `reject` they get bare
/// `403`s that name no product and reveal no extension. Calls from the carrier still go through.
@Suite(.serialized)
struct ScannerTests {
    private static func run(_ tool: String, _ arguments: [String], home: URL) async throws -> String {
        let path = try #require(ExternalProcess.which(tool), "\(tool) is required (Debian sipvicious)")
        let process = try ExternalProcess("/usr/bin/env", ["HOME=\(home.path)", path] + arguments, directory: home)
        _ = try await process.wait(timeout: .seconds(90))
        return process.log
    }

    /// One sipp call from the trusted carrier address; returns sipp's exit status and log.
    private static func carrierCall(_ harness: BridgeHarness) async throws -> (Int32, String) {
        let sipp = try #require(ExternalProcess.which("sipp"), "sipp (Debian sip-tester) is required")
        let directory = try temporaryDirectory("scanner-carrier")
        let call = try ExternalProcess(
            sipp,
            [
                "127.0.0.1:\(harness.bridge.sipPort)", "-sn", "uac", "-s", "agent", "-i", "127.0.0.2", "-p", "43980",
                "-mi", "127.0.0.2", "-mp", "43984", "-cp", "43981", "-m", "1", "-l", "1", "-d", "500", "-nostdin",
                "-timeout", "20s", "-timeout_error", "-trace_err",
            ], directory: directory)
        return (try await call.wait(timeout: .seconds(30)), call.log)
    }

    @Test(
        .enabled(if: ExternalProcess.which("svmap") != nil, "needs sipvicious (scripts/setup installs it)"),
        arguments: ["drop", "reject"])
    func aScanLearnsNothingAndTheCarrierStillGetsThrough(action: String) async throws {
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: action == "drop" ? 70 : 71, listen: "[\"udp://127.0.0.1:0\"]",
            sipExtra: "trusted_sources: [\"127.0.0.2/32\"]\n  untrusted_action: \(action)")
        let home = try temporaryDirectory("sipvicious")
        defer { try? FileManager.default.removeItem(at: home) }
        let port = "\(harness.bridge.sipPort)"

        let map = try await Self.run("svmap", ["-p", port, "-b", "127.0.0.1", "127.0.0.1"], home: home)
        let war = try await Self.run(
            "svwar", ["-e", "100-130", "-m", "INVITE", "-p", port, "127.0.0.1"], home: home)
        #expect(!map.contains("sipbridge") && !war.contains("sipbridge"), "the product name never leaks:\n\(map)\n\(war)")
        #expect(war.contains("found nothing"), "no extension found:\n\(war)")
        if action == "drop" {
            #expect(map.contains("found nothing"), "no device found:\n\(map)")
        } else {
            // The device answers, but only `403`, without Server/User-Agent.
            #expect(!map.contains("found nothing"), "\(map)")
        }
        #expect(harness.bridge.registry.activeCount == 0)
        #expect(try await harness.bridge.userAgent.rejectedRequests() >= 2)

        let (status, log) = try await Self.carrierCall(harness)
        #expect(status == 0, "the carrier's call failed: \(log)")
        #expect(harness.agent.allConnections.count == 1, "exactly one stream: the carrier's call")
        try await harness.waitIdle()
        await harness.stop()
    }
}
