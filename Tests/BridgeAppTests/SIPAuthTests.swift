import Foundation
import Testing
import TestSupport

@testable import BridgeApp

/// `sip.auth` end to end (issue 3): sipp answers the bridge's digest challenge (MD5, the
/// algorithm sipp computes) and the call goes through; a caller without credentials never reaches a route.
@Suite(.serialized) struct SIPAuthTests {
    private static func runSipp(_ harness: BridgeHarness, port: Int) async throws -> (Int32, String) {
        let sipp = try #require(ExternalProcess.which("sipp"), "sipp (Debian sip-tester) is required")
        let directory = try temporaryDirectory("sipp-auth")
        let file = SippCallTests.scenarioURL("uac_auth.xml")
        let call = try ExternalProcess(
            sipp,
            [
                "127.0.0.1:\(harness.bridge.sipPort)", "-sf", file.path, "-s", "agent", "-i", "127.0.0.1", "-p", "\(port)",
                "-mi", "127.0.0.1", "-mp", "\(port + 100)", "-cp", "\(port + 1)", "-m", "1", "-l", "1", "-nostdin",
                "-timeout", "20s", "-timeout_error", "-trace_err",
            ], directory: directory)
        let status = try await call.wait(timeout: .seconds(30))
        return (status, call.log)
    }

    private static let auth = "auth: { realm: sipbridge, users: { carrier: \"${CARRIER_PASSWORD}\" }, algorithms: [MD5] }"

    @Test func sippAuthenticatesAndTheCallGoesThrough() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 49, environment: ["CARRIER_PASSWORD": "s3cret"], sipExtra: Self.auth)
        let (status, log) = try await Self.runSipp(harness, port: 43700)
        #expect(status == 0, "sipp failed: \(log)")
        let agent = try await harness.agent.connection()
        _ = try await agent.waitFor("start")
        try await agent.waitClosed()
        try await harness.waitIdle()
        #expect(harness.bridge.registry.totals.offered == 1)
        await harness.stop()
    }

    @Test func callerWithoutCredentialsGets401AndIsNeverRouted() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 50, environment: ["CARRIER_PASSWORD": "s3cret"], sipExtra: Self.auth)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 401)
        let challenge = try #require(caller.responses(to: "INVITE").last?.header("WWW-Authenticate"))
        #expect(challenge.contains("realm=\"sipbridge\"") && challenge.contains("algorithm=MD5") && challenge.contains("qop=\"auth\""))
        try await Task.sleep(for: .milliseconds(200))
        #expect(harness.bridge.registry.totals.offered == 0)
        #expect(harness.agent.allConnections.isEmpty)
        await caller.close()
        await harness.stop()
    }
}
