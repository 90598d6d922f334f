import NIOCore
import Testing
@testable import SIPIngress

/// Tier 1: the timer arithmetic of RFC 3261 §17 (Table 4).
@Suite struct SIPTimerValuesTests {
    @Test func defaultsAreRFC3261() {
        let timers = SIPTimerValues()
        #expect(timers.t1 == .milliseconds(500))
        #expect(timers.t2 == .seconds(4))
        #expect(timers.t4 == .seconds(5))
        #expect(timers.transactionTimeout == .seconds(32))  // B, F, H, J, L = 64·T1
    }

    @Test func timerDDependsOnTransport() {
        #expect(SIPTimerValues().timerD(reliable: false) == .seconds(32))
        #expect(SIPTimerValues().timerD(reliable: true) == .zero)
    }

    @Test func cappedBackoffStopsAtT2() {
        // Timers E and G: T1, 2·T1, 4·T1 ... capped at T2.
        let timers = SIPTimerValues()
        var interval = timers.t1
        var seen: [Int64] = []
        for _ in 0..<6 {
            seen.append(interval.milliseconds)
            interval = timers.backoff(interval)
        }
        #expect(seen == [500, 1000, 2000, 4000, 4000, 4000])
    }

    @Test func uncappedBackoffKeepsDoubling() {
        // Timer A (§17.1.1.2) is not capped.
        let timers = SIPTimerValues()
        var interval = timers.t1
        var seen: [Int64] = []
        for _ in 0..<6 {
            seen.append(interval.milliseconds)
            interval = timers.backoff(interval, capped: false)
        }
        #expect(seen == [500, 1000, 2000, 4000, 8000, 16000])
    }

    @Test func customT1ScalesTheTransactionTimeout() {
        let timers = SIPTimerValues(t1: .milliseconds(100), t2: .milliseconds(350))
        #expect(timers.transactionTimeout == .milliseconds(6400))
        #expect(timers.backoff(.milliseconds(200)) == .milliseconds(350))
        #expect(timers.t4 == .seconds(5))
    }

    @Test func everyTimerHasACase() {
        #expect(SIPTimer.allCases == [.A, .B, .D, .E, .F, .G, .H, .I, .J, .K, .L])
    }
}
