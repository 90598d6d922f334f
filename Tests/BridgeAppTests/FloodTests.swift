import Foundation
import SIPIngress
import Testing
import TestSupport

@testable import BridgeApp

/// An INVITE flood from one source (issue 8: sipp at 1,000 calls/s from 127.0.0.3) meets
/// `sip.rate_limit` (503 + Retry-After beyond 5 INVITEs/s per source, burst 10), while a
/// legitimate carrier (127.0.0.2, its own bucket) placing calls at the same time gets every one
/// of them through. The flood's few admitted calls are real calls (a WebSocket each), so the
/// limit is what keeps the bridge's capacity for the carrier.
@Suite(.serialized)
struct FloodTests {
    private static func sipp(_ arguments: [String]) throws -> ExternalProcess {
        let sipp = try #require(ExternalProcess.which("sipp"), "sipp (Debian sip-tester) is required")
        return try ExternalProcess(sipp, arguments + ["-nostdin", "-timeout", "40s", "-timeout_error"], directory: try temporaryDirectory("flood"))
    }

    @Test func aFloodIsRateLimitedAndTheCarrierStillGetsThrough() async throws {
        let harness = try await BridgeHarness.start(
            // sipp's flood calls send no RTP: the 2 s media timeout ends any it abandons.
            rtpRangeIndex: 72, rtpExtra: "timeout_s: 2", listen: "[\"udp://127.0.0.1:0\"]",
            sipExtra: "rate_limit: { invites_per_second: 5, burst: 10 }")
        let target = "127.0.0.1:\(harness.bridge.sipPort)"
        let started = ContinuousClock.now
        let flood = try Self.sipp([
            target, "-sn", "uac", "-s", "agent", "-i", "127.0.0.3", "-p", "43986", "-cp", "43987", "-mi", "127.0.0.3",
            "-mp", "43988", "-r", "1000", "-m", "2000", "-l", "2000", "-d", "100",
        ])
        let carrier = try Self.sipp([
            target, "-sn", "uac", "-s", "agent", "-i", "127.0.0.2", "-p", "43990", "-cp", "43991", "-mi", "127.0.0.2",
            "-mp", "43992", "-r", "2", "-m", "5", "-l", "5", "-d", "200", "-trace_err",
        ])
        let carrierStatus = try await carrier.wait(timeout: .seconds(60))
        _ = try? await flood.wait(timeout: .seconds(60))
        let elapsed = ContinuousClock.now - started
        #expect(carrierStatus == 0, "every carrier call succeeds during the flood: \(carrier.log.suffix(1500))")

        let refused = try await harness.bridge.userAgent.rejectedRequests()
        let offered = harness.bridge.registry.totals.offered
        // 2,000 INVITEs from one source: at most the burst plus 5/s reached routing (with the
        // carrier's 5), every other one was answered 503.
        let allowance = 10 + 5 * Int(elapsed.components.seconds + 1) + 5
        #expect(offered <= allowance, "\(offered) calls reached routing in \(elapsed) (allowance \(allowance))")
        #expect(refused >= 1800, "\(refused) INVITEs refused")
        print("flood: \(refused) INVITEs rate-limited, \(offered) offered to routing, in \(elapsed)")
        _ = try await poll(timeout: .seconds(40), what: "every call to end") {
            harness.bridge.registry.activeCount == 0 && harness.bridge.registry.portsInUse == 0 ? true : nil
        }
        await harness.stop()
    }
}
