import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

@testable import BridgeApp

/// `sip.registrations` against sipp as the registrar (issue 3): digest challenge, 200 with a
/// short interval, an authenticated refresh at half of it — all visible in `/status`.
@Suite(.serialized) struct RegistrationTests {
    private static func registrar(port: Int, scenario: String = "uas_registrar.xml") throws -> ExternalProcess {
        let sipp = try #require(ExternalProcess.which("sipp"), "sipp (Debian sip-tester) is required")
        return try ExternalProcess(
            sipp,
            [
                "-sf", SippCallTests.scenarioURL(scenario).path, "-i", "127.0.0.1", "-p", "\(port)",
                "-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_err",
            ], directory: try temporaryDirectory("sipp-registrar"))
    }

    private static func registration(_ harness: BridgeHarness) async throws -> [String: Any]? {
        let registrations = try await harness.status()["registrations"] as? [[String: Any]]
        return registrations?.first
    }

    private static func config(port: Int) -> String {
        """
        registrations:
            - { registrar: "127.0.0.1:\(port)", domain: provider.test, user: "+15550100", auth_user: acct7, password: "${REG_PW}", expires_s: 60 }
        """
    }

    @Test func registersAuthenticatesAndRefreshes() async throws {
        let registrar = try Self.registrar(port: 43950)
        try await Task.sleep(for: .milliseconds(300))  // sipp binds its port
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 51, environment: ["REG_PW": "s3cret"], sipExtra: Self.config(port: 43950))
        _ = try await poll(timeout: .seconds(5), what: "the registration") {
            try? await Self.registration(harness)?["state"] as? String == "registered" ? true : nil
        }
        let registered = try #require(try await Self.registration(harness))
        #expect(registered["aor"] as? String == "sip:+15550100@provider.test")
        #expect(registered["last_status"] as? Int == 200)
        #expect(registered["failures"] as? Int == 0)
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(harness.bridge.statusPort)/metrics")!)
        let metrics = String(decoding: data, as: UTF8.self)
        #expect(metrics.contains("\nsipbridge_registrations_up 1.0\n") && metrics.contains("\nsipbridge_registrations_configured 1.0\n"), "\(metrics)")
        // The registrar granted 2 s: the refresh comes after 1 s and is authenticated again.
        #expect(try await registrar.wait(timeout: .seconds(10)) == 0, "registrar scenario failed: \(registrar.log)")
        let refreshed = try #require(try await Self.registration(harness))
        #expect(refreshed["granted_s"] as? Int == 60)
        await harness.stop()
    }

    /// Draining removes the binding (REGISTER with `Expires: 0`, authenticated), so the
    /// provider stops sending calls to a bridge that is about to go.
    @Test func drainingRemovesTheRegistration() async throws {
        let registrar = try Self.registrar(port: 43955, scenario: "uas_registrar_unregister.xml")
        try await Task.sleep(for: .milliseconds(300))
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 76, environment: ["REG_PW": "s3cret"], sipExtra: Self.config(port: 43955))
        _ = try await poll(timeout: .seconds(5), what: "the registration") {
            try? await Self.registration(harness)?["state"] as? String == "registered" ? true : nil
        }
        #expect(await harness.bridge.drain(timeout: .milliseconds(100)) == 0)
        #expect(try await registrar.wait(timeout: .seconds(10)) == 0, "registrar scenario failed: \(registrar.log)")
        _ = try await poll(timeout: .seconds(5), what: "the binding to be removed") {
            try? await Self.registration(harness)?["state"] as? String == "unregistered" ? true : nil
        }
        await harness.stop()
    }

    @Test func refusedCredentialsShowAsFailed() async throws {
        let registrar = try Self.registrar(port: 43960)
        try await Task.sleep(for: .milliseconds(300))
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 52, environment: ["REG_PW": "wrong"], sipExtra: Self.config(port: 43960))
        _ = try await poll(timeout: .seconds(5), what: "the failed registration") {
            try? await Self.registration(harness)?["state"] as? String == "failed" ? true : nil
        }
        let failed = try #require(try await Self.registration(harness))
        #expect(failed["last_status"] as? Int == 403)
        #expect(failed["failures"] as? Int == 1)
        _ = try await registrar.wait(timeout: .seconds(10))
        await harness.stop()
    }
}
