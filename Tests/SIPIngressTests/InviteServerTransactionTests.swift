import NIOCore
import Testing
@testable import SIPIngress

/// Tier 1: the INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1), driven event by
/// event. Time exists only in the returned `.schedule` actions.
@Suite struct InviteServerTransactionTests {
    private let defaults = SIPTimerValues()

    private func response(_ status: Int) throws -> SIPMessage {
        MessageFactory.response(
            to: try TestMessages.parsedInvite(), status: status, toTag: "t", sourceHost: "192.0.2.10", sourcePort: 5062)
    }

    @Test func provisionalIsResentOnRetransmittedInvite() throws {
        var transaction = InviteServerTransaction(timers: defaults, reliable: false)
        #expect(describe(transaction.receivedRequest()) == [])  // nothing sent yet
        #expect(describe(transaction.send(try response(100))) == ["send 100"])
        #expect(describe(transaction.send(try response(180))) == ["send 180"])
        #expect(describe(transaction.receivedRequest()) == ["send 180"])  // the latest provisional
        #expect(!transaction.hasFinalResponse)
    }

    @Test func timerGBacksOffToT2UntilAckThenTimerI() throws {
        var transaction = InviteServerTransaction(timers: defaults, reliable: false)
        let busy = try response(486)
        #expect(describe(transaction.send(busy)) == ["send 486", "schedule G 500ms", "schedule H 32000ms"])
        #expect(transaction.hasFinalResponse)

        // §17.2.1: G = T1, doubling, capped at T2 (4 s): 500, 1000, 2000, 4000, 4000 ms.
        var intervals: [Int64] = [500]
        for _ in 0..<4 {
            let actions = transaction.timerFired(.G)
            #expect(messages(in: actions).map(\.wireText) == [busy.wireText])  // the same response
            guard case .schedule(.G, let next) = actions.last else {
                Issue.record("Timer G not rescheduled: \(describe(actions))")
                return
            }
            intervals.append(next.milliseconds)
        }
        #expect(intervals == [500, 1000, 2000, 4000, 4000])

        #expect(describe(transaction.receivedRequest()) == ["send 486"])  // retransmitted INVITE
        #expect(describe(transaction.receivedAck()) == ["cancel G", "cancel H", "schedule I 5000ms"])
        #expect(describe(transaction.receivedAck()) == [])  // ACK retransmission absorbed
        #expect(describe(transaction.receivedRequest()) == [])
        #expect(describe(transaction.timerFired(.G)) == [])  // a stale G does nothing
        #expect(!transaction.isTerminated)
        #expect(describe(transaction.timerFired(.I)) == ["terminated"])
        #expect(transaction.isTerminated)
    }

    @Test func timerHWithoutAckTimesOut() throws {
        var transaction = InviteServerTransaction(timers: defaults, reliable: false)
        _ = transaction.send(try response(404))
        #expect(describe(transaction.timerFired(.H)) == ["cancel G", "timedOut", "terminated"])
        #expect(transaction.isTerminated)
        #expect(describe(transaction.receivedAck()) == [])
    }

    @Test func reliableTransportHasNoTimerGAndNoTimerI() throws {
        // §17.2.1: G only for unreliable transports; I is zero for reliable ones.
        var transaction = InviteServerTransaction(timers: defaults, reliable: true)
        #expect(describe(transaction.send(try response(486))) == ["send 486", "schedule H 32000ms"])
        #expect(describe(transaction.receivedAck()) == ["cancel G", "cancel H", "terminated"])
        #expect(transaction.isTerminated)
    }

    @Test func twoHundredEntersAcceptedUntilTimerL() throws {
        // RFC 6026 §7.1 / §8.7: a 2xx → Accepted; INVITE retransmissions are absorbed (the UAS
        // core retransmits the 2xx itself) until Timer L = 64·T1.
        var transaction = InviteServerTransaction(timers: defaults, reliable: false)
        _ = transaction.send(try response(100))
        #expect(describe(transaction.send(try response(200))) == ["send 200", "schedule L 32000ms"])
        #expect(describe(transaction.receivedRequest()) == [])
        #expect(describe(transaction.receivedAck()) == [])
        #expect(describe(transaction.timerFired(.H)) == [])
        #expect(describe(transaction.timerFired(.L)) == ["terminated"])
        #expect(transaction.isTerminated)
    }

    @Test func onlyOneFinalResponse() throws {
        var transaction = InviteServerTransaction(timers: defaults, reliable: false)
        _ = transaction.send(try response(486))
        #expect(describe(transaction.send(try response(200))) == [])
        #expect(describe(transaction.send(try response(180))) == [])
    }

    @Test func customT1ScalesGAndH() throws {
        let timers = SIPTimerValues(t1: .milliseconds(100))
        var transaction = InviteServerTransaction(timers: timers, reliable: false)
        #expect(describe(transaction.send(try response(603))) == ["send 603", "schedule G 100ms", "schedule H 6400ms"])
        let next = (0..<6).map { _ in describe(transaction.timerFired(.G)).last ?? "" }
        #expect(next == [
            "schedule G 200ms", "schedule G 400ms", "schedule G 800ms", "schedule G 1600ms", "schedule G 3200ms",
            "schedule G 4000ms",
        ])
    }
}
