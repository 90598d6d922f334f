import NIOCore
import Testing
@testable import SIPIngress

/// Tier 1: the non-INVITE client transaction (RFC 3261 §17.1.2) that carries the bridge's BYE.
@Suite struct NonInviteClientTransactionTests {
    private func bye() throws -> SIPMessage {
        var dialog = Dialog(invite: try TestMessages.parsedInvite(), localTag: "bridgetag", initialLocalSequence: 1)
        return dialog.makeRequest(.bye, via: TestMessages.local.via(branch: "z9hG4bKnict"), contact: TestMessages.local.contact)
    }

    private func response(_ status: Int, to request: SIPMessage) -> SIPMessage {
        MessageFactory.response(to: request, status: status, toTag: nil, sourceHost: nil, sourcePort: nil)
    }

    @Test func timerEDoublesToT2ThenFinalResponseStartsK() throws {
        let request = try bye()
        var transaction = NonInviteClientTransaction(request: request, timers: SIPTimerValues(), reliable: false)
        #expect(describe(transaction.start()) == ["send BYE", "schedule E 500ms", "schedule F 32000ms"])

        // §17.1.2.2: E = T1 doubling, capped at T2: 1000, 2000, 4000, 4000 ms after the first.
        let retransmissions = (0..<4).map { _ in describe(transaction.timerFired(.E)) }
        #expect(retransmissions == [
            ["send BYE", "schedule E 1000ms"], ["send BYE", "schedule E 2000ms"],
            ["send BYE", "schedule E 4000ms"], ["send BYE", "schedule E 4000ms"],
        ])

        #expect(describe(transaction.received(response(200, to: request))) == [
            "cancel E", "cancel F", "deliver 200", "schedule K 5000ms",
        ])
        #expect(describe(transaction.received(response(200, to: request))) == [])  // retransmission absorbed
        #expect(describe(transaction.timerFired(.E)) == [])
        #expect(!transaction.isTerminated)
        #expect(describe(transaction.timerFired(.K)) == ["terminated"])
        #expect(transaction.isTerminated)
    }

    @Test func proceedingRetransmitsEveryT2() throws {
        let request = try bye()
        var transaction = NonInviteClientTransaction(request: request, timers: SIPTimerValues(), reliable: false)
        _ = transaction.start()
        #expect(describe(transaction.received(response(100, to: request))) == ["deliver 100"])
        #expect(describe(transaction.timerFired(.E)) == ["send BYE", "schedule E 4000ms"])
        #expect(describe(transaction.timerFired(.E)) == ["send BYE", "schedule E 4000ms"])
        #expect(describe(transaction.received(response(481, to: request))) == [
            "cancel E", "cancel F", "deliver 481", "schedule K 5000ms",
        ])
    }

    @Test(arguments: [false, true])
    func timerFTimesOut(afterProvisional: Bool) throws {
        let request = try bye()
        var transaction = NonInviteClientTransaction(request: request, timers: SIPTimerValues(), reliable: false)
        _ = transaction.start()
        if afterProvisional { _ = transaction.received(response(100, to: request)) }
        #expect(describe(transaction.timerFired(.F)) == ["cancel E", "timedOut", "terminated"])
        #expect(transaction.isTerminated)
        #expect(describe(transaction.received(response(200, to: request))) == [])
    }

    @Test func reliableTransportHasNoTimerEAndNoTimerK() throws {
        let request = try bye()
        var transaction = NonInviteClientTransaction(request: request, timers: SIPTimerValues(), reliable: true)
        #expect(describe(transaction.start()) == ["send BYE", "schedule F 32000ms"])
        #expect(describe(transaction.received(response(200, to: request))) == [
            "cancel E", "cancel F", "deliver 200", "terminated",
        ])
        #expect(transaction.isTerminated)
    }

    @Test func customT1ScalesEAndF() throws {
        let timers = SIPTimerValues(t1: .milliseconds(100), t2: .milliseconds(400), t4: .milliseconds(600))
        let request = try bye()
        var transaction = NonInviteClientTransaction(request: request, timers: timers, reliable: false)
        #expect(describe(transaction.start()) == ["send BYE", "schedule E 100ms", "schedule F 6400ms"])
        let next = (0..<3).map { _ in describe(transaction.timerFired(.E)).last ?? "" }
        #expect(next == ["schedule E 200ms", "schedule E 400ms", "schedule E 400ms"])
        #expect(describe(transaction.received(response(200, to: request))).last == "schedule K 600ms")
    }
}
