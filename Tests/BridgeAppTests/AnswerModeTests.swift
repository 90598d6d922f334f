import Foundation
import Testing
import TestSupport

@testable import BridgeApp

/// `routes[].answer` (issue 3): 180 before the answer, or 183 with early media flowing before
/// the 200.
@Suite(.serialized) struct AnswerModeTests {
    private static func arrival(of status: Int, in caller: TestCaller) -> ContinuousClock.Instant? {
        caller.sip.datagrams.first { String(decoding: $0.bytes, as: UTF8.self).hasPrefix("SIP/2.0 \(status) ") }?.time
    }

    @Test func ringingSends180ThenAnswersAfterTheDelay() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 53, routeExtra: "answer: ringing\n    answer_delay_ms: 400")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let statuses = caller.responses(to: "INVITE").compactMap(\.status)
        #expect(statuses.firstIndex(of: 180).map { $0 < statuses.firstIndex(of: 200)! } == true, "\(statuses)")
        let ringing = try #require(Self.arrival(of: 180, in: caller))
        let answered = try #require(Self.arrival(of: 200, in: caller))
        #expect(answered - ringing >= .milliseconds(400))
        let ring = try #require(caller.responses(to: "INVITE").first { $0.status == 180 })
        #expect(ring.header("To")?.contains("tag=") == true && ring.body.isEmpty)
        // No media while it rings (the first packet may overtake the 200 by a hair: they leave
        // from different event loops at the same moment).
        #expect(caller.rtp.datagrams.allSatisfy { $0.time >= answered - .milliseconds(50) })
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func earlyMediaFlowsAfter183BeforeThe200() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 54, routeExtra: "answer: early_media\n    answer_delay_ms: 500")
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let progress = try #require(caller.responses(to: "INVITE").first { $0.status == 183 })
        let ok = try #require(caller.responses(to: "INVITE").first { $0.status == 200 })
        #expect(progress.header("Content-Type") == "application/sdp")
        #expect(progress.body == ok.body)  // one answer: the 200 repeats the 183's SDP
        let early = try #require(Self.arrival(of: 183, in: caller))
        let answered = try #require(Self.arrival(of: 200, in: caller))
        // The delay runs from the moment the stream is up, when the 183 is handed to the SIP
        // loop; its arrival can trail that by a few milliseconds.
        #expect(answered - early >= .milliseconds(450))
        // Silence (or the AI's greeting) reaches the caller before the answer.
        let before = caller.rtp.datagrams.filter { $0.time < answered }.count
        #expect(before >= 10, "only \(before) RTP packets before the 200")
        let agent = try await harness.agent.connection()
        _ = try await agent.waitFor("start")
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}
