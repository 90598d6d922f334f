import Foundation
import Testing
import TestSupport

@testable import BridgeApp

/// In-dialog requests end to end (issue 3): re-INVITE hold and resume change what the bridge
/// sends, a codec the route does not allow is refused without dropping the call, and INFO key
/// presses reach the AI server as `dtmf` events.
@Suite(.serialized) struct SessionModificationTests {
    @Test func holdStopsTheBridgesRTPAndResumeContinuesTheSameStream() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 42)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let firstAnswer = try #require(caller.responses(to: "INVITE").last)
        _ = try await harness.agent.connection().waitFor("start")
        // Silence flows from the answer on (rtp.silence_when_idle).
        _ = try await poll(timeout: .seconds(5), what: "RTP before hold") { caller.receivedRTP.count >= 5 ? true : nil }

        let held = try await caller.reinvite(direction: "sendonly")
        #expect(held.status == 200)
        #expect(held.body.contains("a=recvonly"))
        // The same port, and the o= version moves on (RFC 3264 §8).
        #expect(held.body.components(separatedBy: "\r\n").first { $0.hasPrefix("m=audio ") }
            == firstAnswer.body.components(separatedBy: "\r\n").first { $0.hasPrefix("m=audio ") })
        let origin = { (sdp: String) in sdp.components(separatedBy: "\r\n").first { $0.hasPrefix("o=") }?.split(separator: " ") }
        #expect(origin(held.body)?[2] == "2" && origin(firstAnswer.body)?[2] == "1")
        #expect(origin(held.body)?[1] == origin(firstAnswer.body)?[1])

        try await Task.sleep(for: .milliseconds(100))  // packets already in flight
        let countOnHold = caller.receivedRTP.count
        try await Task.sleep(for: .milliseconds(400))  // 20 packets' worth
        #expect(caller.receivedRTP.count == countOnHold, "RTP sent while the caller holds the call")
        let lastBefore = try #require(caller.receivedRTP.last)

        let resumed = try await caller.reinvite(direction: "sendrecv")
        #expect(resumed.status == 200)
        #expect(resumed.body.contains("a=sendrecv"))
        _ = try await poll(timeout: .seconds(5), what: "RTP after resume") {
            caller.receivedRTP.count >= countOnHold + 5 ? true : nil
        }
        let firstAfter = caller.receivedRTP[countOnHold]
        // One stream: sequence numbers go on without a gap, the timestamp kept time through the
        // hold, and the first packet after it starts a talk-spurt (RFC 3550 §5.1).
        #expect(firstAfter.sequence == lastBefore.sequence &+ 1)
        #expect(firstAfter.timestamp &- lastBefore.timestamp >= 8 * 400)
        #expect(firstAfter.marker)
        #expect(harness.bridge.registry.activeCount == 1)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func reofferWithoutACodecOfTheRouteIs488AndTheCallGoesOn() async throws {
        // The route takes PCMU only, so a PCMA re-offer has nothing to move to (CodecChangeTests).
        let harness = try await BridgeHarness.start(rtpRangeIndex: 43, codecs: "[PCMU]")
        let caller = try await harness.caller()
        #expect(try await caller.invite(payloadType: 0) == 200)
        let refused = try await caller.reinvite(direction: "sendrecv", payloadType: 8)
        #expect(refused.status == 488)
        let countAfter = caller.receivedRTP.count
        _ = try await poll(timeout: .seconds(5), what: "RTP after the refused offer") {
            caller.receivedRTP.count >= countAfter + 5 ? true : nil
        }
        #expect(caller.receivedRTP.suffix(5).allSatisfy { $0.payloadType == 0 })
        // An offerless re-INVITE gets the bridge's own offer: the call's codec, sendrecv.
        let offer = try await caller.reinvite(direction: nil, ackBody: caller.offer(direction: "sendrecv", version: 9))
        #expect(offer.status == 200)
        #expect(offer.body.contains("a=rtpmap:0 PCMU/8000") && offer.body.contains("a=sendrecv"))
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func infoKeyPressesReachTheAIServer() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 44)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        _ = try await agent.waitFor("start")
        let relay = try await caller.inDialog("INFO", contentType: "application/dtmf-relay", body: "Signal=7\r\nDuration=180\r\n")
        #expect(relay.status == 200)
        let plain = try await caller.inDialog("INFO", contentType: "application/dtmf", body: "#")
        #expect(plain.status == 200)
        let events = try await agent.waitFor("dtmf", count: 2)
        let digits = events.map { ($0.json["dtmf"] as? [String: Any])?["digit"] as? String }
        #expect(digits == ["7", "#"])
        let refresh = try await caller.inDialog("UPDATE")
        #expect(refresh.status == 200)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    /// The same through sipp (a real carrier-side UA): hold and resume re-INVITEs answered
    /// with the mirrored direction, an INFO key press, a bodyless UPDATE, BYE.
    @Test func sippHoldResumeInfoAndUpdate() async throws {
        let sipp = try #require(ExternalProcess.which("sipp"), "sipp (Debian sip-tester) is required")
        let harness = try await BridgeHarness.start(rtpRangeIndex: 45)
        let directory = try temporaryDirectory("sipp-reinvite")
        let call = try ExternalProcess(
            sipp,
            [
                "127.0.0.1:\(harness.bridge.sipPort)", "-sf", SippCallTests.scenarioURL("uac_reinvite_hold_info.xml").path,
                "-s", "echo", "-i", "127.0.0.1", "-p", "43300", "-mi", "127.0.0.1", "-mp", "43400", "-cp", "43301",
                "-m", "1", "-l", "1", "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_err",
            ], directory: directory)
        let status = try await call.wait(timeout: .seconds(40))
        #expect(status == 0, "sipp failed: \(call.log)")
        let agent = try await harness.agent.connection()
        let dtmf = try await agent.waitFor("dtmf")
        #expect((dtmf[0].json["dtmf"] as? [String: Any])?["digit"] as? String == "5")
        try await agent.waitClosed()
        try await harness.waitIdle()
        await harness.stop()
    }
}
