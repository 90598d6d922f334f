import Foundation
import NIOCore
import Testing
import TestSupport

@testable import BridgeApp

/// RTCP on a live call (RFC 3550 §6): the bridge's SR reaches the caller's RTCP port with a
/// report about the caller's stream, and the caller's RR gives the bridge a round-trip time.
@Suite(.serialized)
struct RTCPTests {
    @Test func senderReportsFlowAndTheCallersReceiverReportGivesTheRoundTripTime() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 18, rtpExtra: "rtcp_interval_s: 1")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        for index in 0..<60 {
            try await caller.sendRTP(
                payload: pattern(160, seed: index), payloadType: 0, sequence: UInt16(1000 + index),
                timestamp: UInt32(index * 160))
            try await Task.sleep(for: .milliseconds(20))
            if !caller.rtcp.datagrams.isEmpty { break }
        }
        let received = try await poll(timeout: .seconds(5), what: "an RTCP report from the bridge") {
            caller.rtcp.datagrams.first
        }
        let report = received.bytes
        // SR: V=2, RC=1, PT=200, length 12 words - 1; sender SSRC = the SSRC of the bridge's RTP.
        #expect(report[0] == 0x81)
        #expect(report[1] == 200)
        #expect(Int(report[2]) << 8 | Int(report[3]) == 12)
        let bridgeSSRC = Array(report[4..<8])
        let rtpPacket = try #require(caller.rtp.datagrams.first?.bytes)
        #expect(Array(rtpPacket[8..<12]) == bridgeSSRC)
        // The report block is about the caller's SSRC (0x12345678, TestCaller's).
        #expect(Array(report[28..<32]) == [0x12, 0x34, 0x56, 0x78])
        let highest = UInt32(report[36]) << 24 | UInt32(report[37]) << 16 | UInt32(report[38]) << 8 | UInt32(report[39])
        #expect(highest >= 1000 && highest < 1060)
        // SDES with a CNAME follows the SR.
        #expect(report.count > 52 && report[52] == 0x81 && report[53] == 202 && report[60] == 1)

        // Answer with an RR about the bridge's stream, as a receiver does (§6.4.1): LSR = the
        // middle of the SR's NTP time, DLSR = how long the SR was held here (at least 20 ms, so
        // the bridge must subtract it), rounded down.
        try await Task.sleep(for: .milliseconds(20))
        let lsr = Array(report[10..<14])
        let held = ContinuousClock.now - received.time
        let dlsr = UInt32((Double(held.components.seconds) + Double(held.components.attoseconds) / 1e18) * 65_536)
        var rr: [UInt8] = [0x81, 201, 0, 7, 0x12, 0x34, 0x56, 0x78]
        rr += bridgeSSRC + [0x00, 0, 0, 0] + [0, 0, 0, 1] + [0, 0, 0, 0] + lsr + withUnsafeBytes(of: dlsr.bigEndian, Array.init)
        try await caller.rtcp.send(rr, toPort: try #require(caller.bridgeRTPPort) + 1)
        let rtt = try await poll(timeout: .seconds(5), what: "the round-trip time in /status") { () -> Double? in
            let status = try await harness.status()
            let media = ((status["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any]
            // JSONSerialization on Linux hands out NSNumber, which does not always bridge with `as? Double`.
            return (media?["roundTripMilliseconds"] as? NSNumber)?.doubleValue
        }
        // Loopback: the bridge's SR send → our receipt plus our RR send → its receipt.
        #expect(rtt >= 0 && rtt < 200, "RTT \(rtt) ms")
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}
