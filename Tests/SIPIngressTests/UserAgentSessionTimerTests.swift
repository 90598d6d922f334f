import Foundation
import NIOCore
import Testing
@testable import SIPIngress

/// Tier 3: RFC 4028 session timers through a real `UserAgent` over loopback UDP, with
/// intervals of seconds (the configuration keeps the RFC's 90 s floor; the API does not).
@Suite(.serialized) struct UserAgentSessionTimerTests {
    static let short = SessionTimerSettings(sessionExpires: 4, minimumSessionExpires: 2)

    /// A call answered and acknowledged whose INVITE carried `headers`; returns the 2xx.
    private func call(_ loopback: Loopback, headers: [String]) async throws -> (IncomingCall, SIPScript, SIPMessage) {
        let script = SIPScript(callerPort: loopback.caller.port)
        try await loopback.caller.send(script.invite(branch: "z9hG4bKst", extra: headers))
        let call = try await loopback.delegate.incomingCall()
        loopback.agent.accept(call.id, sdp: UserAgentInDialogTests.answer)
        let ok = try await loopback.caller.receive { $0.statusCode == 200 && $0.cseq.method == .invite }
        try await loopback.caller.send(script.ack(branch: "z9hG4bKstack", toTag: ok.to.tag))
        return (call, script, ok)
    }

    private func answer(_ loopback: Loopback, _ request: SIPMessage, status: Int = 200) async throws {
        try await loopback.caller.send(
            SIPScript.ok(to: request).replacingOccurrences(of: "SIP/2.0 200 OK", with: "SIP/2.0 \(status) \(MessageFactory.reasonPhrase(status))"))
    }

    @Test func tooSmallIntervalIs422WithMinSE() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            let refused = try await loopback.request(
                script.invite(branch: "z9hG4bK422", extra: ["Supported: timer", "Session-Expires: 30"]), expecting: 422)
            #expect(refused.header("Min-SE") == "90")
            #expect(loopback.delegate.incomingCalls.isEmpty)
            // Require: timer is understood (no 420).
            let again = SIPScript(callerPort: loopback.caller.port)
            try await loopback.request(
                again.invite(branch: "z9hG4bKreq", extra: ["Supported: timer", "Require: timer", "Session-Expires: 1800"]),
                expecting: 100)
        }
    }

    @Test func unrefreshedSessionIsEndedWithBye() async throws {
        try await Loopback.run(sessionTimer: Self.short) { loopback in
            // Taken before the INVITE: the timer starts when the bridge sends its 2xx, which is
            // later, so this lower bound holds however long the loaded test process takes to
            // see the 2xx and acknowledge it.
            let started = ContinuousClock.now
            let (call, _, ok) = try await call(loopback, headers: ["Supported: timer", "Session-Expires: 3"])
            #expect(ok.header("Session-Expires") == "3;refresher=uac")
            #expect(ok.header("Require") == "timer")
            // §10: BYE at 3 − min(32, 3/3) = 2 s after the 2xx.
            let bye = try await loopback.caller.receive(within: .seconds(5)) { $0.method == .bye }
            #expect(ContinuousClock.now - started >= .milliseconds(1800))
            #expect(bye.header("Reason") == "SIP;cause=408;text=\"Session timer expired\"")
            try await loopback.caller.send(SIPScript.ok(to: bye))
            #expect(try await loopback.delegate.ending(of: call.id) == .sessionExpired)
        }
    }

    @Test func callerRefreshKeepsTheSessionAlive() async throws {
        try await Loopback.run(sessionTimer: Self.short) { loopback in
            let (call, script, ok) = try await call(loopback, headers: ["Supported: timer", "Session-Expires: 4"])
            let tag = try #require(ok.to.tag)
            // Deadline 4 − 1 = 3 s; refresh at 1.5 s with a bodyless UPDATE moves it to 4.5 s.
            try await Task.sleep(for: .milliseconds(1500))
            let refreshed = try await loopback.request(
                script.inDialog("UPDATE", branch: "z9hG4bKrefresh", cseq: 2, toTag: tag, extra: ["Supported: timer", "Session-Expires: 4"]),
                expecting: 200)
            #expect(refreshed.header("Session-Expires") == "4;refresher=uac")
            try await Task.sleep(for: .milliseconds(2000))  // 3.5 s: past the first deadline
            #expect(loopback.caller.discard { $0.method == .bye } == 0, "BYE despite the refresh")
            #expect(try await loopback.agent.activeSessions() == 1)
            let bye = try await loopback.caller.receive(within: .seconds(4)) { $0.method == .bye }
            try await loopback.caller.send(SIPScript.ok(to: bye))
            #expect(try await loopback.delegate.ending(of: call.id) == .sessionExpired)
        }
    }

    @Test func bridgeRefreshesWithUpdateWhenAskedAndHangsUpOn481() async throws {
        try await Loopback.run(sessionTimer: Self.short) { loopback in
            let headers = ["Supported: timer", "Session-Expires: 2;refresher=uas", "Allow: INVITE, ACK, BYE, UPDATE"]
            let (call, _, ok) = try await call(loopback, headers: headers)
            #expect(ok.header("Session-Expires") == "2;refresher=uas")
            #expect(ok.header("Require") == nil)
            // Half the interval: a bodyless UPDATE inside the dialog.
            let first = try await loopback.caller.receive(within: .seconds(3)) { $0.method == .update }
            #expect(first.header("Session-Expires") == "2;refresher=uas")
            #expect(first.to.tag == "caller1" && first.from.tag == ok.to.tag)
            #expect(first.body.isEmpty)
            try await answer(loopback, first)
            let second = try await loopback.caller.receive(within: .seconds(3)) { $0.method == .update }
            #expect(second.cseq.number == first.cseq.number + 1)
            try await answer(loopback, second, status: 481)
            let bye = try await loopback.caller.receive(within: .seconds(3)) { $0.method == .bye }
            try await loopback.caller.send(SIPScript.ok(to: bye))
            #expect(try await loopback.delegate.ending(of: call.id) == .sessionExpired)
        }
    }
}
