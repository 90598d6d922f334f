import NIOCore
import Testing
@testable import SIPIngress

/// Tier 1: the UAS core's INVITE session (RFC 3261 §13.3.1.4, §15, §9.2), event by event.
@Suite struct InviteSessionTests {
    private let answerSDP = "v=0\r\no=sipbridge 1 1 IN IP4 198.51.100.1\r\ns=sipbridge\r\n"

    private func session(timers: SIPTimerValues = SIPTimerValues(), reliable: Bool = false) throws -> InviteSession {
        InviteSession(
            invite: try TestMessages.parsedInvite(), localTag: "bridgetag", source: ("203.0.113.9", 40_000),
            local: TestMessages.local, timers: timers, reliable: reliable)
    }

    /// An accepted session with its G/H actions consumed.
    private func answered(timers: SIPTimerValues = SIPTimerValues()) throws -> InviteSession {
        var session = try session(timers: timers)
        _ = session.accept(sdp: answerSDP)
        return session
    }

    @Test func acceptSends200WithDialogHeadersAndStartsGAndH() throws {
        var session = try session()
        let actions = session.accept(sdp: answerSDP)
        #expect(describe(actions) == ["respond 200", "schedule G 500ms", "schedule H 32000ms"])

        let ok = try #require(messages(in: actions).first)
        #expect(ok.to.tag == "bridgetag")
        #expect(ok.contacts.map(\.text) == ["<sip:sipbridge@198.51.100.1:5060>"])
        #expect(ok.recordRoutes.map(\.text) == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        #expect(ok.contentType == "application/sdp")
        #expect(ok.body == Array(answerSDP.utf8))
        #expect(ok.header("Allow") == "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO")
        #expect(ok.vias[0].parameter("rport") == .some("40000"))
        #expect(ok.vias[0].parameter("received") == .some("203.0.113.9"))
        #expect(session.isEstablished)
        #expect(session.dialog?.localTag == "bridgetag")
        #expect(session.dialog?.remoteTag == "1928301774")
        #expect(describe(session.accept(sdp: answerSDP)) == [])  // only once
    }

    @Test func timerGRetransmitsThe2xxDoublingCappedUntilAck() throws {
        var session = try session()
        let ok = try #require(messages(in: session.accept(sdp: answerSDP)).first)
        var retransmitted: [SIPMessage] = []
        var intervals: [String] = []
        for _ in 0..<5 {
            let actions = session.timerFired(.G, branch: "z9hG4bKunused")
            retransmitted += messages(in: actions)
            intervals.append(describe(actions).last ?? "")
        }
        #expect(intervals == [
            "schedule G 1000ms", "schedule G 2000ms", "schedule G 4000ms", "schedule G 4000ms", "schedule G 4000ms",
        ])
        // The very same 2xx, byte for byte (§13.3.1.4).
        #expect(retransmitted.map(\.wireText) == Array(repeating: ok.wireText, count: 5))

        #expect(describe(session.receivedAck(branch: "z9hG4bKunused")) == ["cancel G", "cancel H"])
        #expect(describe(session.timerFired(.G, branch: "z9hG4bKunused")) == [])  // stale G
        #expect(describe(session.timerFired(.H, branch: "z9hG4bKunused")) == [])  // stale H
        #expect(describe(session.receivedAck(branch: "z9hG4bKunused")) == [])  // retransmitted ACK
        #expect(session.isEstablished)
    }

    @Test func timerHWithoutAckSendsByeAndEnds() throws {
        // §13.3.1.4: no ACK within 64·T1 → the session is ended with a BYE.
        var session = try answered()
        let actions = session.timerFired(.H, branch: "z9hG4bKbyeH")
        #expect(describe(actions) == ["cancel G", "sendRequest BYE", "ended ackTimeout"])
        let bye = try #require(messages(in: actions).first)
        #expect(bye.vias.first?.branch == "z9hG4bKbyeH")
        #expect(bye.requestURI?.text == "sip:alice@192.0.2.10:5062")
        #expect(bye.from.tag == "bridgetag")
        #expect(bye.to.tag == "1928301774")
        #expect(!session.isEstablished)
        #expect(describe(session.receivedAck(branch: "x")) == [])
    }

    @Test func hangUpBeforeAckIsDeferredUntilAck() throws {
        // §15: the UAS must not send BYE before the ACK arrives (or Timer H fires).
        var session = try answered()
        #expect(describe(session.hangUp(branch: "z9hG4bKearly")) == [])
        let g = session.timerFired(.G, branch: "z9hG4bKearly")
        #expect(describe(g) == ["retransmit 200", "schedule G 1000ms"])  // still retransmitting
        let actions = session.receivedAck(branch: "z9hG4bKafterack")
        #expect(describe(actions) == ["cancel G", "cancel H", "sendRequest BYE"])
        #expect(messages(in: actions).first?.vias.first?.branch == "z9hG4bKafterack")
        #expect(describe(session.hangUp(branch: "again")) == [])  // BYE already in flight
        #expect(describe(session.byeCompleted()) == ["ended localHangUp"])
        #expect(describe(session.byeCompleted()) == [])
    }

    @Test func pendingHangUpWithoutAckEndsOnTimerH() throws {
        var session = try answered()
        _ = session.hangUp(branch: "z9hG4bKearly")
        #expect(describe(session.timerFired(.H, branch: "z9hG4bKh")) == ["cancel G", "sendRequest BYE", "ended ackTimeout"])
    }

    @Test func hangUpAfterAckSendsByeAtOnce() throws {
        var session = try answered()
        _ = session.receivedAck(branch: "x")
        let actions = session.hangUp(branch: "z9hG4bKbye")
        #expect(describe(actions) == ["sendRequest BYE"])
        let bye = try #require(messages(in: actions).first)
        #expect(bye.cseq.method == .bye)
        #expect(bye.routes.map(\.text) == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        #expect(!session.isEstablished)
    }

    @Test func hangUpBeforeAnswerRejects() throws {
        var session = try session()
        #expect(describe(session.hangUp(branch: "x", status: 503)) == ["respond 503", "ended rejected(503)"])
        #expect(describe(session.hangUp(branch: "x")) == [])
    }

    @Test func cancelBeforeAnswerIs487() throws {
        // §9.2: the INVITE gets 487 Request Terminated; the driver answers the CANCEL with 200.
        var session = try session()
        let actions = session.receivedCancel()
        #expect(describe(actions) == ["respond 487", "ended cancelled"])
        #expect(messages(in: actions).first?.to.tag == "bridgetag")
        #expect(describe(session.accept(sdp: answerSDP)) == [])
    }

    @Test func cancelAfterAnswerHasNoEffect() throws {
        var session = try answered()
        #expect(describe(session.receivedCancel()) == [])
        #expect(session.isEstablished)
    }

    @Test func byeEndsTheCall() throws {
        // §15.1.2: the caller hangs up.
        var session = try answered()
        _ = session.receivedAck(branch: "x")
        #expect(describe(session.receivedBye()) == ["cancel G", "cancel H", "ended remoteHangUp"])
        #expect(describe(session.receivedBye()) == [])
    }

    @Test func byeBeforeAnswerTerminatesTheInvite() throws {
        var session = try session()
        #expect(describe(session.receivedBye()) == ["respond 487", "ended remoteHangUp"])
    }

    @Test func rejectSendsTheFinalResponseWithExtraHeaders() throws {
        var session = try session()
        let actions = session.reject(status: 503, headers: [SIPHeader("Retry-After", "30")])
        #expect(describe(actions) == ["respond 503", "ended rejected(503)"])
        let response = try #require(messages(in: actions).first)
        #expect(response.startLine == .response(status: 503, reason: "Service Unavailable"))
        #expect(response.header("Retry-After") == "30")
        #expect(response.to.tag == "bridgetag")
        #expect(describe(session.reject(status: 404)) == [])
    }

    @Test func reliableTransportDoesNotRetransmit() throws {
        var session = try session(reliable: true)
        #expect(describe(session.accept(sdp: answerSDP)) == ["respond 200", "schedule H 32000ms"])
    }

    @Test func customT1ScalesEverySessionTimer() throws {
        var session = try session(timers: SIPTimerValues(t1: .milliseconds(100)))
        #expect(describe(session.accept(sdp: answerSDP)) == ["respond 200", "schedule G 100ms", "schedule H 6400ms"])
        let next = (0..<6).map { _ in describe(session.timerFired(.G, branch: "x")).last ?? "" }
        #expect(next == [
            "schedule G 200ms", "schedule G 400ms", "schedule G 800ms", "schedule G 1600ms", "schedule G 3200ms",
            "schedule G 4000ms",
        ])
    }
}
