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
        let unreachable = """
              - name: unreachable
                match: { to_user: "^unreachable$" }
                stream: { url: "ws://127.0.0.1:1/ws" }
            """
        let harness = try await BridgeHarness.start(rtpRangeIndex: 39, codecs: "[PCMU]", extraRoute: unreachable)
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
        // Media counters are live: a scrape during the call sees its packets and media events.
        let live = try await poll(timeout: .seconds(5), what: "the call's 5 packets and 5 paced ones in /metrics") {
            let samples = try await self.metrics(port).samples
            let paced = samples["sipbridge_rtp_packets_total{direction=\"out\"}"] ?? 0
            return samples["sipbridge_rtp_packets_total{direction=\"in\"}"] == 5 && paced >= 5 ? samples : nil
        }
        #expect(live["sipbridge_rtp_payload_bytes_total{direction=\"in\"}"] == 800)
        #expect((live["sipbridge_ws_messages_total{direction=\"out\",event=\"media\"}"] ?? 0) >= 1)
        #expect(live["sipbridge_calls_ended_total{reason=\"caller_hangup\"}"] == 0)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        let refused = try await harness.caller()
        #expect(try await refused.invite(payloadType: 8) == 488, "PCMA only, PCMU configured")
        let unconnected = try await harness.caller()
        #expect(try await unconnected.invite(user: "unreachable") == 503, "nothing listens on the AI server's port")

        let after = try await metrics(port).samples
        #expect(after["sipbridge_calls_offered_total"] == 3)
        #expect(after["sipbridge_calls_answered_total"] == 1)
        #expect(after["sipbridge_calls_active"] == 0)
        #expect(after["sipbridge_call_setup_seconds_count"] == 1)
        #expect((after["sipbridge_call_setup_seconds_sum"] ?? 9) < 2, "setup on loopback takes milliseconds")
        #expect(after["sipbridge_rtp_packets_total{direction=\"in\"}"] == 5)
        #expect((after["sipbridge_rtp_packets_total{direction=\"out\"}"] ?? 0) >= 5)
        #expect(after["sipbridge_rtp_packets_total{direction=\"in\"}"] == 5, "a call's packets are counted once")
        #expect(after["sipbridge_rtp_lost_total{direction=\"in\"}"] == 0)
        #expect(after["sipbridge_call_mos_score_count"] == 1, "the failed setup had no audio to score")
        #expect(after["sipbridge_calls_ended_total{reason=\"caller_hangup\"}"] == 1)
        #expect(after["sipbridge_calls_ended_total{reason=\"setup_failed\"}"] == 1)
        #expect(after["sipbridge_calls_rejected_total{status=\"488\"}"] == 1)
        #expect(after["sipbridge_calls_rejected_total{status=\"503\"}"] == 1)
        #expect(after["sipbridge_ws_failures_total{reason=\"connect_error\"}"] == 1)
        #expect(after["sipbridge_ws_failures_total{reason=\"connect_timeout\"}"] == 0)
        #expect(after["sipbridge_ws_failures_total{reason=\"ping_timeout\"}"] == 0)
        await caller.close()
        await refused.close()
        await unconnected.close()
        await harness.stop()
    }
}
