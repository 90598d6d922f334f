import Foundation
import NIOCore
import Testing
@testable import SIPIngress

/// Tier 3: requests inside an established dialog through a real `UserAgent` over loopback UDP —
/// re-INVITE (RFC 3261 §14), UPDATE (RFC 3311), INFO DTMF, CSeq order and target refresh
/// (§12.2.2), and the pending-request rules (500 + Retry-After, 491, 487).
@Suite(.serialized) struct UserAgentInDialogTests {
    static let answer = "v=0\r\no=sipbridge 1 1 IN IP4 127.0.0.1\r\ns=sipbridge\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio 20000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    static let holdOffer = SIPScript.offer.replacingOccurrences(of: "a=sendrecv", with: "a=sendonly")
    static let heldAnswer = answer.replacingOccurrences(of: "a=sendrecv", with: "a=recvonly")

    /// A call answered and acknowledged; returns the script and the agent's To tag.
    private func establishedCall(_ loopback: Loopback) async throws -> (IncomingCall, SIPScript, String) {
        let script = SIPScript(callerPort: loopback.caller.port)
        try await loopback.caller.send(script.invite(branch: "z9hG4bKinitial"))
        let call = try await loopback.delegate.incomingCall()
        loopback.agent.accept(call.id, sdp: Self.answer)
        let ok = try await loopback.caller.receive { $0.statusCode == 200 && $0.cseq.method == .invite }
        let tag = try #require(ok.to.tag)
        try await loopback.caller.send(script.ack(branch: "z9hG4bKinitialack", toTag: tag))
        try await loopback.sync()
        _ = loopback.caller.discard { _ in true }
        return (call, script, tag)
    }

    private func reinvite(_ script: SIPScript, cseq: Int, tag: String, body: String? = holdOffer, contact: String? = nil) -> String {
        var text = script.inDialog(
            "INVITE", branch: "z9hG4bKre\(cseq)", cseq: cseq, toTag: tag, contentType: body == nil ? nil : "application/sdp",
            body: body ?? "")
        if let contact {
            text = text.replacingOccurrences(of: "Contact: <sip:alice@127.0.0.1:\(script.callerPort)>", with: "Contact: <\(contact)>")
        }
        return text
    }

    @Test func reinviteHoldIsOfferedToTheApplicationAndItsAnswerRetransmittedUntilAck() async throws {
        try await Loopback.run { loopback in
            let (call, script, tag) = try await establishedCall(loopback)
            try await loopback.caller.send(reinvite(script, cseq: 2, tag: tag))
            _ = try await loopback.caller.receive { $0.statusCode == 100 && $0.cseq.number == 2 }
            let update = try #require(try await eventually { loopback.delegate.updates.first })
            guard case .offer(let offer) = update else { Issue.record("expected an offer, got \(update)"); return }
            #expect(offer.media.first?.direction == .sendonly)

            loopback.agent.answerUpdate(call.id, sdp: Self.heldAnswer)
            let ok = try await loopback.caller.receive { $0.statusCode == 200 && $0.cseq.number == 2 }
            #expect(ok.to.tag == tag)
            #expect(ok.body == Array(Self.heldAnswer.utf8))
            #expect(ok.contacts.first?.uri.port == loopback.agent.localAddress.port)
            // §13.3.1.4 for the re-INVITE's 2xx too: retransmitted until the ACK ...
            _ = try await loopback.caller.receive { $0.statusCode == 200 && $0.cseq.number == 2 }
            try await loopback.caller.send(script.inDialog("ACK", branch: "z9hG4bKreack2", cseq: 2, toTag: tag))
            try await loopback.sync()
            _ = loopback.caller.discard { _ in true }
            // ... and not after it (T2 is 400 ms here); the call goes on.
            #expect(try await loopback.caller.collect(for: .milliseconds(700)).isEmpty)
            #expect(try await loopback.agent.activeSessions() == 1)
            #expect(loopback.delegate.endings.isEmpty)
        }
    }

    @Test func refusedReofferLeavesTheCallUp() async throws {
        try await Loopback.run { loopback in
            let (call, script, tag) = try await establishedCall(loopback)
            try await loopback.caller.send(reinvite(script, cseq: 2, tag: tag))
            _ = try await eventually { loopback.delegate.updates.first }
            loopback.agent.rejectUpdate(call.id, status: 488)
            let refused = try await loopback.caller.receive { $0.statusCode == 488 }
            // A non-2xx is acknowledged in its own transaction (same branch) and the session stays.
            try await loopback.caller.send(script.inDialog("ACK", branch: "z9hG4bKre2", cseq: 2, toTag: tag))
            #expect(refused.to.tag == tag)
            try await loopback.request(script.bye(branch: "z9hG4bKbye", toTag: tag, cseq: 3), expecting: 200)
            #expect(try await loopback.delegate.ending(of: call.id) == .remoteHangUp)
        }
    }

    @Test func outOfOrderCSeqIs500AndSecondOfferWhilePendingIs500WithRetryAfter() async throws {
        try await Loopback.run { loopback in
            let (_, script, tag) = try await establishedCall(loopback)
            let stale = try await loopback.request(reinvite(script, cseq: 1, tag: tag), expecting: 500)
            #expect(stale.startLine == .response(status: 500, reason: "CSeq Out of Order"))
            try await loopback.caller.send(reinvite(script, cseq: 5, tag: tag))
            _ = try await eventually { loopback.delegate.updates.first }
            let update = script.inDialog(
                "UPDATE", branch: "z9hG4bKup6", cseq: 6, toTag: tag, contentType: "application/sdp", body: SIPScript.offer)
            let pending = try await loopback.request(update, expecting: 500)
            #expect((1...10).contains(Int(pending.header("Retry-After") ?? "") ?? 0))
            #expect(loopback.delegate.updates.count == 1)
        }
    }

    @Test func byeWhileReinvitePendingAnswersIt487() async throws {
        try await Loopback.run { loopback in
            let (call, script, tag) = try await establishedCall(loopback)
            try await loopback.caller.send(reinvite(script, cseq: 2, tag: tag))
            _ = try await eventually { loopback.delegate.updates.first }
            try await loopback.caller.send(script.bye(branch: "z9hG4bKbye3", toTag: tag, cseq: 3))
            let terminated = try await loopback.caller.receive { $0.statusCode == 487 }
            #expect(terminated.cseq == CSeq(number: 2, method: .invite))
            _ = try await loopback.caller.receive { $0.statusCode == 200 && $0.cseq.method == .bye }
            #expect(try await loopback.delegate.ending(of: call.id) == .remoteHangUp)
            loopback.agent.answerUpdate(call.id, sdp: Self.answer)  // too late: nothing is sent
            try await loopback.sync()
            #expect(loopback.caller.discard { $0.cseq.number == 2 && $0.statusCode == 200 } == 0)
        }
    }

    @Test func offerlessReinviteGetsTheApplicationsOfferAndTheAckCarriesTheAnswer() async throws {
        try await Loopback.run { loopback in
            let (call, script, tag) = try await establishedCall(loopback)
            try await loopback.caller.send(reinvite(script, cseq: 2, tag: tag, body: nil))
            let update = try #require(try await eventually { loopback.delegate.updates.first })
            #expect(update.isOfferless)
            loopback.agent.answerUpdate(call.id, sdp: Self.answer)
            _ = try await loopback.caller.receive { $0.statusCode == 200 && $0.cseq.number == 2 && !$0.body.isEmpty }
            // Until the ACK's answer arrives, a new offer is glare (491).
            let glare = script.inDialog(
                "UPDATE", branch: "z9hG4bKup3", cseq: 3, toTag: tag, contentType: "application/sdp", body: SIPScript.offer)
            try await loopback.request(glare, expecting: 491)
            try await loopback.caller.send(
                script.inDialog("ACK", branch: "z9hG4bKack2", cseq: 2, toTag: tag, contentType: "application/sdp", body: SIPScript.offer))
            let answered = try #require(try await eventually { loopback.delegate.updates.dropFirst().first })
            guard case .answer(let sdp) = answered else { Issue.record("expected the ACK's answer, got \(answered)"); return }
            #expect(sdp.media.first?.port == 40000)
        }
    }

    @Test func updateWithAndWithoutOffer() async throws {
        try await Loopback.run { loopback in
            let (call, script, tag) = try await establishedCall(loopback)
            // Without a body an UPDATE only refreshes the session (RFC 4028): 200 at once.
            let refresh = try await loopback.request(script.inDialog("UPDATE", branch: "z9hG4bKup2", cseq: 2, toTag: tag), expecting: 200)
            #expect(refresh.body.isEmpty)
            #expect(loopback.delegate.updates.isEmpty)
            let withOffer = script.inDialog(
                "UPDATE", branch: "z9hG4bKup3", cseq: 3, toTag: tag, contentType: "application/sdp", body: Self.holdOffer)
            try await loopback.caller.send(withOffer)
            _ = try await eventually { loopback.delegate.updates.first }
            loopback.agent.answerUpdate(call.id, sdp: Self.heldAnswer)
            let ok = try await loopback.caller.receive { $0.statusCode == 200 && $0.cseq.number == 3 }
            #expect(ok.body == Array(Self.heldAnswer.utf8))
            // A non-INVITE 2xx is not retransmitted by the core.
            #expect(try await loopback.caller.collect(for: .milliseconds(300)).isEmpty)
        }
    }

    @Test func reinviteRefreshesTheRemoteTargetForTheBridgesBye() async throws {
        try await Loopback.run { loopback in
            let (call, script, tag) = try await establishedCall(loopback)
            let moved = "sip:alice-moved@127.0.0.1:\(loopback.caller.port);transport=udp"
            try await loopback.caller.send(reinvite(script, cseq: 2, tag: tag, contact: moved))
            _ = try await eventually { loopback.delegate.updates.first }
            loopback.agent.answerUpdate(call.id, sdp: Self.heldAnswer)
            _ = try await loopback.caller.receive { $0.statusCode == 200 && $0.cseq.number == 2 }
            try await loopback.caller.send(script.inDialog("ACK", branch: "z9hG4bKack2", cseq: 2, toTag: tag))
            loopback.agent.hangUp(call.id)
            let bye = try await loopback.caller.receive { $0.method == .bye }
            #expect(bye.requestURI?.user == "alice-moved")
        }
    }

    @Test(arguments: [
        ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", 200, "5/160"),
        ("application/dtmf-relay", "Signal= 11\r\nDuration= 250\r\n", 200, "#/250"),
        ("Application/DTMF", "*", 200, "*/100"),
        ("application/dtmf-relay", "Signal=Z\r\n", 400, nil),
        ("text/plain", "hello", 415, nil),
        ("", "", 200, nil),
    ] as [(String, String, Int, String?)])
    func infoCarriesKeyPresses(contentType: String, body: String, status: Int, press: String?) async throws {
        try await Loopback.run { loopback in
            let (_, script, tag) = try await establishedCall(loopback)
            let info = script.inDialog(
                "INFO", branch: "z9hG4bKinfo", cseq: 2, toTag: tag, contentType: contentType.isEmpty ? nil : contentType, body: body)
            let response = try await loopback.request(info, expecting: status)
            #expect(loopback.delegate.keyPresses == (press.map { [$0] } ?? []))
            if status == 415 {
                let accepted = response.otherHeaders.filter { $0.name.lowercased() == "accept" }.map(\.value)
                #expect(accepted.joined(separator: ", ") == "application/dtmf-relay, application/dtmf")
            }
        }
    }

    @Test func inDialogRequestsForUnknownDialogsAre481() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            for (index, method) in ["INVITE", "UPDATE", "INFO"].enumerated() {
                let request = script.inDialog(method, branch: "z9hG4bKnone\(index)", cseq: 2 + index, toTag: "nosuchtag")
                let response = try await loopback.request(request, expecting: 481)
                #expect(response.cseq == CSeq(number: UInt32(2 + index), method: SIPMethod(rawValue: method)))
            }
            #expect(loopback.delegate.updates.isEmpty && loopback.delegate.keyPresses.isEmpty)
        }
    }
}
