import Testing
@testable import SIPIngress

/// Tier 1: RFC 4028 §9 as the UAS decides it, from the request's headers.
@Suite struct SessionTimerNegotiationTests {
    private static func request(_ headers: [String]) throws -> SIPMessage {
        let script = SIPScript(callerPort: 5062)
        return try TestMessages.parse(Array(script.invite(branch: "z9hG4bKst", extra: headers).utf8))
    }

    private static let settings = SessionTimerSettings()

    @Test(arguments: [
        // (headers, expected outcome)
        ([], SessionTimerNegotiation.none),
        (["Supported: timer"], .active(interval: 1800, refresher: .uac)),
        (["k: replaces, timer"], .active(interval: 1800, refresher: .uac)),
        (["Supported: timer", "Session-Expires: 600"], .active(interval: 600, refresher: .uac)),
        (["Supported: timer", "x: 600;refresher=uac"], .active(interval: 600, refresher: .uac)),
        // The UAS may lower a long interval to its own, never below the caller's Min-SE.
        (["Supported: timer", "Session-Expires: 7200"], .active(interval: 1800, refresher: .uac)),
        (["Supported: timer", "Session-Expires: 7200", "Min-SE: 3600"], .active(interval: 3600, refresher: .uac)),
        // The caller asks the bridge to refresh: only with UPDATE allowed.
        (["Supported: timer", "Session-Expires: 600;refresher=uas", "Allow: INVITE, ACK, BYE, UPDATE"],
         .active(interval: 600, refresher: .uas)),
        (["Supported: timer", "Session-Expires: 600;refresher=uas", "Allow: INVITE, ACK, BYE"], .active(interval: 600, refresher: .uac)),
        // A proxy added Session-Expires for a caller without timer support (§9: UAS refreshes).
        (["Session-Expires: 900", "Allow: INVITE, ACK, BYE, UPDATE"], .active(interval: 900, refresher: .uas)),
        (["Session-Expires: 900", "Allow: INVITE, ACK, BYE"], .none),
        // Below the bridge's Min-SE: 422.
        (["Supported: timer", "Session-Expires: 60"], .tooSmall(minimum: 90)),
        (["Session-Expires: 89;refresher=uac"], .tooSmall(minimum: 90)),
        // Parameters are trimmed and compared without case; the first valid refresher counts.
        (["Supported: timer", "Session-Expires: 600 ; Refresher = UAS", "Allow: UPDATE"], .active(interval: 600, refresher: .uas)),
        (["Supported: timer", "Session-Expires: 600;refresher=bogus;refresher=uas", "Allow: UPDATE"],
         .active(interval: 600, refresher: .uas)),
        // delta-seconds is 1*DIGIT: a value that is not one (or overflows) is no request.
        (["Supported: timer", "Session-Expires: 99999999999999999999999"], .active(interval: 1800, refresher: .uac)),
        (["Supported: timer", "Session-Expires: 6o0"], .active(interval: 1800, refresher: .uac)),
        (["Supported: timer", "Session-Expires: 600", "Min-SE: 1200;ext=1"], .active(interval: 1200, refresher: .uac)),
    ] as [([String], SessionTimerNegotiation)])
    func negotiation(headers: [String], expected: SessionTimerNegotiation) throws {
        #expect(SessionTimerNegotiation.negotiate(try Self.request(headers), settings: Self.settings) == expected)
    }

    @Test func disabledTimersIgnoreEverything() throws {
        let off = SessionTimerSettings(enabled: false)
        let request = try Self.request(["Supported: timer", "Session-Expires: 60"])
        #expect(SessionTimerNegotiation.negotiate(request, settings: off) == .none)
    }

    @Test func headersAndDeadlines() {
        let uac = SessionTimerNegotiation.active(interval: 1800, refresher: .uac)
        #expect(uac.responseHeaders(Self.settings) == [
            SIPHeader("Session-Expires", "1800;refresher=uac"), SIPHeader("Supported", "timer"), SIPHeader("Require", "timer"),
        ])
        #expect(uac.deadline == 1800 - 32)  // §10: BYE 32 s (or a third) before expiry
        let short = SessionTimerNegotiation.active(interval: 90, refresher: .uac)
        #expect(short.deadline == 60)
        let uas = SessionTimerNegotiation.active(interval: 600, refresher: .uas)
        #expect(uas.responseHeaders(Self.settings) == [SIPHeader("Session-Expires", "600;refresher=uas"), SIPHeader("Supported", "timer")])
        #expect(uas.deadline == 300)  // refresh at half the interval
        #expect(SessionTimerNegotiation.none.deadline == nil)
        #expect(SessionTimerNegotiation.none.responseHeaders(Self.settings) == [SIPHeader("Supported", "timer")])
        #expect(SessionTimerNegotiation.none.responseHeaders(SessionTimerSettings(enabled: false)).isEmpty)
    }
}
