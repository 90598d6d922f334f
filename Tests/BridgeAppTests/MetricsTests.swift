import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

@testable import BridgeApp

/// `GET /metrics` (issue 6): Prometheus text with the call, setup-time and media figures.
@Suite(.serialized)
struct MetricsTests {
    private func metrics(_ port: Int) async throws -> (contentType: String?, samples: [String: Double]) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        var samples: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { samples[String(parts[0])] = value }
        }
        return ((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type"), samples)
    }

    @Test func callsSetupTimeAndMediaAreExported() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 39, codecs: "[PCMU]")
        let port = harness.bridge.statusPort
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let during = try await metrics(port)
        #expect(during.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(during.samples["sipbridge_calls_active"] == 1)
        #expect(during.samples["sipbridge_draining_state"] == 0)
        for index in 0..<5 {
            try await caller.sendRTP(payload: pattern(160, seed: index), payloadType: 0, sequence: UInt16(index), timestamp: UInt32(index * 160))
        }
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        let refused = try await harness.caller()
        #expect(try await refused.invite(payloadType: 8) == 488, "PCMA only, PCMU configured")

        let after = try await metrics(port).samples
        #expect(after["sipbridge_calls_offered_total"] == 2)
        #expect(after["sipbridge_calls_answered_total"] == 1)
        #expect(after["sipbridge_calls_active"] == 0)
        #expect(after["sipbridge_call_setup_seconds_count"] == 1)
        #expect((after["sipbridge_call_setup_seconds_sum"] ?? 9) < 2, "setup on loopback takes milliseconds")
        #expect(after["sipbridge_rtp_packets_total{direction=\"in\"}"] == 5)
        #expect((after["sipbridge_rtp_packets_total{direction=\"out\"}"] ?? 0) >= 5)
        #expect(after["sipbridge_rtp_lost_total"] == 0)
        #expect(after["sipbridge_call_mos_score_count"] == 1)
        await caller.close()
        await refused.close()
        await harness.stop()
    }
}
