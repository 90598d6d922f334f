import NIOCore
import Testing
@testable import SIPIngress

/// Tier 1: the non-INVITE server transaction (RFC 3261 §17.2.2).
@Suite struct NonInviteServerTransactionTests {
    private func response(_ status: Int) throws -> SIPMessage {
        let bye = try TestMessages.parse(TestMessages.text([
            "BYE sip:sipbridge@198.51.100.1:5060 SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKbye",
            "From: <sip:alice@example.com>;tag=a",
            "To: <sip:bob@example.com>;tag=b",
            "Call-ID: nist@example.com",
            "CSeq: 2 BYE",
        ]))
        return MessageFactory.response(to: bye, status: status, toTag: nil, sourceHost: nil, sourcePort: nil)
    }

    @Test func finalResponseStartsTimerJAndAnswersRetransmissions() throws {
        var transaction = NonInviteServerTransaction(timers: SIPTimerValues(), reliable: false)
        #expect(describe(transaction.receivedRequest()) == [])  // Trying absorbs retransmissions
        #expect(describe(transaction.send(try response(200))) == ["send 200", "schedule J 32000ms"])
        #expect(describe(transaction.receivedRequest()) == ["send 200"])
        #expect(describe(transaction.send(try response(500))) == [])  // only one final response
        #expect(describe(transaction.timerFired(.K)) == [])
        #expect(!transaction.isTerminated)
        #expect(describe(transaction.timerFired(.J)) == ["terminated"])
        #expect(transaction.isTerminated)
        #expect(describe(transaction.receivedRequest()) == [])
    }

    @Test func provisionalThenFinal() throws {
        var transaction = NonInviteServerTransaction(timers: SIPTimerValues(), reliable: false)
        #expect(describe(transaction.send(try response(100))) == ["send 100"])
        #expect(describe(transaction.receivedRequest()) == ["send 100"])
        #expect(describe(transaction.timerFired(.J)) == [])  // no J before the final response
        #expect(describe(transaction.send(try response(200))) == ["send 200", "schedule J 32000ms"])
    }

    @Test func reliableTransportTerminatesAtOnce() throws {
        // §17.2.2: Timer J is zero for reliable transports.
        var transaction = NonInviteServerTransaction(timers: SIPTimerValues(), reliable: true)
        #expect(describe(transaction.send(try response(200))) == ["send 200", "terminated"])
        #expect(transaction.isTerminated)
    }

    @Test func timerJIsSixtyFourT1() throws {
        var transaction = NonInviteServerTransaction(timers: SIPTimerValues(t1: .milliseconds(100)), reliable: false)
        #expect(describe(transaction.send(try response(481))) == ["send 481", "schedule J 6400ms"])
    }
}
