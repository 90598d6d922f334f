import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport

@testable import BridgeApp

/// The media engine over real sockets (issue 4): DTMF from SIPp's RFC 4733 captures, the 20 ms
/// cadence through 5 % packet loss, symmetric RTP latching, and the media timeout.
@Suite(.serialized)
struct MediaQualityTests {
    @Test func dtmfFromSippCapturesArrivesOncePerKey() async throws {
        let record = try await SippCallTests.runCall(
            scenario: "uac_dtmf_pcap.xml", mediaPort: 42400, returnPayloadType: 0, rtpRangeIndex: 12)
        let dtmf = record.connection.events("dtmf")
        #expect(dtmf.map { ($0.json["dtmf"] as? [String: Any])?["digit"] as? String } == ["1", "5", "#"])
        for event in dtmf {
            let body = try #require(event.json["dtmf"] as? [String: Any])
            #expect(body["track"] as? String == "inbound")
            #expect(body["duration"] as? Int == 280)  // 2240 units at 8 kHz in the captures' end packets
            #expect((body["timestamp"] as? String).flatMap { Int($0) } != nil)
        }
        // No audio was sent, yet the stream kept its 20 ms clock from the answer to the hang-up.
        let media = record.connection.events("media")
        #expect(media.count >= 100)
        assertCadence(media.map(\.time), atLeast: 100)
    }

    @Test(.enabled(if: NetworkIsolation.onlyLoopback, NetworkIsolation.reason))
    func fivePercentLossKeepsTheCadenceAndShowsInTheStats() async throws {
        let nft = try #require(ExternalProcess.which("nft"), "nftables is required")
        let directory = try temporaryDirectory("loss")
        let table = "sipbridge_loss_\(UInt16.random(in: 1...UInt16.max))"
        let range = BridgeHarness.rtpRange(13)
        // Drop 5 % of what reaches the bridge's RTP ports, in the input hook (a lossy network,
        // not a failing sendto), as in ../shared/testing/sip-test-tools.md §7.
        for rule in [
            ["add", "table", "inet", table],
            ["add", "chain", "inet", table, "in", "{ type filter hook input priority 0 ; policy accept ; }"],
            ["add", "rule", "inet", table, "in", "iifname", "lo", "udp", "dport", range, "numgen", "random", "mod", "100", "<", "5", "counter", "drop"],
        ] {
            #expect(try await ExternalProcess(nft, rule, directory: directory).wait(timeout: .seconds(10)) == 0)
        }
        defer { _ = try? ExternalProcess(nft, ["delete", "table", "inet", table], directory: directory) }

        let sent = pattern(24_000, seed: 9)
        let audioFile = directory.appendingPathComponent("caller.ulaw")
        try Data(sent).write(to: audioFile)
        let lost = LockedBox(0)
        let record = try await SippCallTests.runCall(
            scenario: "uac_pcmu_rtp_stream.xml", audio: audioFile.path, pauseMilliseconds: 4000, mediaPort: 42600,
            returnPayloadType: 0, rtpRangeIndex: 13
        ) { harness in
            try await Task.sleep(for: .milliseconds(3300))
            let status = try await harness.status()
            let call = (status["calls"] as? [[String: Any]])?.first
            lost.value = (call?["media"] as? [String: Any])?["lost"] as? Int ?? -1
        }
        // 150 packets at 5 %: some lost (the rule is random; 0 would be a 0.05 % fluke).
        #expect((1...30).contains(lost.value), "lost \(lost.value) of 150")
        let media = try assertMediaEvents(record.connection)
        assertCadence(media.times, atLeast: 190)
    }

    @Test func rtpLatchesToTheCallersRealSourceAndIgnoresOthers() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 14)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        // The caller's media really comes from another port than its SDP says (a NAT).
        let natted = try await UDPEndpoint.bind(group: harness.group)
        let intruder = try await UDPEndpoint.bind(group: harness.group)
        for index in 0..<10 {
            try await caller.sendRTP(
                payload: pattern(160, seed: index), payloadType: 0, sequence: UInt16(index), timestamp: UInt32(index * 160),
                from: natted)
        }
        try await agent.waitFor("media", count: 10)
        for index in 0..<5 {
            try await caller.sendRTP(
                payload: pattern(160, seed: 99), payloadType: 0, sequence: UInt16(500 + index),
                timestamp: UInt32(90_000 + index * 160), from: intruder)
        }
        _ = try await poll(timeout: .seconds(5), what: "RTP at the latched source") {
            natted.datagrams.count >= 5 ? true : nil
        }
        let status = try await harness.status()
        let media = try #require(((status["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any])
        #expect(media["packetsFromOtherSources"] as? Int == 5)
        #expect(media["packetsIn"] as? Int == 10)
        #expect(intruder.datagrams.isEmpty)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await natted.close()
        await intruder.close()
        await caller.close()
        await harness.stop()
    }

    @Test func noRTPEndsTheCallWithByeAndReason() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 15, rtpExtra: "timeout_s: 1")
        let caller = try await harness.caller()
        // Before the INVITE: the timeout runs from the answer, which comes later.
        let started = ContinuousClock.now
        #expect(try await caller.invite() == 200)
        try await caller.waitForBye(timeout: .seconds(5))
        #expect(ContinuousClock.now - started >= .milliseconds(1000))
        let bye = try #require(caller.messages.first { $0.startLine.hasPrefix("BYE ") })
        #expect(bye.header("Reason")?.hasPrefix("Q.850;cause=102") == true)
        let agent = try await harness.agent.connection()
        try await agent.waitClosed()
        #expect(agent.events("stop").isEmpty)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    /// A caller on hold from the start (`a=inactive`) sends no RTP: the media timeout spares it.
    @Test func callOnHoldIsExemptFromTheMediaTimeout() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 24, rtpExtra: "timeout_s: 1")
        let caller = try await harness.caller()
        #expect(try await caller.invite(direction: "inactive") == 200)
        #expect(caller.responses(to: "INVITE").last?.body.contains("a=inactive") == true)
        try await Task.sleep(for: .milliseconds(2200))
        #expect(!caller.messages.contains { $0.startLine.hasPrefix("BYE ") }, "no BYE after twice the timeout")
        #expect(harness.bridge.registry.activeCount == 1)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}
