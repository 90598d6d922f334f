import NIOCore
import TestSupport
import Testing
@testable import SIPIngress

/// Tier 3: calls through a real `UserAgent` over loopback UDP (RFC 3261 §13.3, §15, §9).
@Suite(.serialized) struct UserAgentCallTests {
    private let answer = "v=0\r\no=sipbridge 1 1 IN IP4 127.0.0.1\r\ns=sipbridge\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio 20000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"

    private func isInvite200(_ message: SIPMessage) -> Bool {
        message.statusCode == 200 && message.cseq.method == .invite
    }

    /// INVITE → 100 → accept → 200; returns the call, the script and the agent's To tag.
    private func answeredCall(_ loopback: Loopback, branch: String = "z9hG4bKinvite1") async throws
        -> (IncomingCall, SIPScript, String)
    {
        let script = SIPScript(callerPort: loopback.caller.port)
        try await loopback.caller.send(script.invite(branch: branch))
        let trying = try await loopback.caller.receive { $0.statusCode == 100 }
        #expect(trying.to.tag == nil)
        let call = try await loopback.delegate.incomingCall()
        loopback.agent.accept(call.id, sdp: answer)
        let ok = try await loopback.caller.receive(where: isInvite200)
        return (call, script, try #require(ok.to.tag))
    }

    /// RFC 3261 §19.3: the To tag comes from the generator the configuration names (the bridge
    /// gives a buffered pool), not from a system call per tag.
    @Test func tagsComeFromTheConfiguredGenerator() async throws {
        var expected = SplitMix64(seed: 42)
        let tag = UserAgentCore.tokenText(expected.next())
        try await Loopback.run(randomSource: { SplitMix64(seed: 42) }) { loopback in
            let (_, _, toTag) = try await answeredCall(loopback)
            #expect(toTag == tag)
        }
        try await Loopback.run { loopback in
            let (_, _, toTag) = try await answeredCall(loopback)
            #expect(toTag != tag)
        }
    }

    @Test func inviteAcceptAckBye() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.caller.send(script.invite(branch: "z9hG4bKinvite1"))

            let trying = try await loopback.caller.receive { $0.statusCode == 100 }
            #expect(trying.to.tag == nil)
            #expect(trying.vias.first?.parameter("rport") == .some("\(loopback.caller.port)"))
            #expect(trying.vias.first?.parameter("received") == .some("127.0.0.1"))

            let call = try await loopback.delegate.incomingCall()
            #expect(call.sourceHost == "127.0.0.1")
            #expect(call.sourcePort == loopback.caller.port)
            #expect(call.requestUser == "+15550100")
            #expect(call.fromUser == "alice")
            #expect(call.sipCallID == script.callID)
            #expect(call.offer.media.first?.port == 40000)
            #expect(try await loopback.agent.activeSessions() == 1)

            loopback.agent.accept(call.id, sdp: answer)
            let ok = try await loopback.caller.receive(where: isInvite200)
            let tag = try #require(ok.to.tag)
            #expect(ok.contentType == "application/sdp")
            #expect(ok.body == Array(answer.utf8))
            #expect(ok.contacts.first?.uri.port == loopback.agent.localAddress.port)
            #expect(ok.from.tag == "caller1")

            // §13.3.1.4: the 2xx is retransmitted (Timer G) until the ACK arrives ...
            let again = try await loopback.caller.receive(where: isInvite200)
            #expect(again.to.tag == tag)
            try await loopback.caller.send(script.ack(branch: "z9hG4bKack1", toTag: tag))
            try await loopback.sync()
            loopback.caller.discard(where: isInvite200)
            // ... and not after it (T2 is 400 ms here).
            #expect(try await loopback.caller.collect(for: .milliseconds(700)).isEmpty)

            let byeOK = try await loopback.request(script.bye(branch: "z9hG4bKbye1", toTag: tag), expecting: 200)
            #expect(byeOK.cseq.method == .bye)
            #expect(try await loopback.delegate.ending(of: call.id) == .remoteHangUp)
            #expect(try await loopback.agent.activeSessions() == 0)
        }
    }

    @Test func retransmittedInviteIsAbsorbed() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.caller.send(script.invite(branch: "z9hG4bKretx"))
            _ = try await loopback.caller.receive { $0.statusCode == 100 }
            _ = try await loopback.delegate.incomingCall()

            try await loopback.caller.send(script.invite(branch: "z9hG4bKretx"))
            _ = try await loopback.caller.receive { $0.statusCode == 100 }  // §17.2.1: 100 again
            try await loopback.sync()
            #expect(loopback.delegate.incomingCalls.count == 1)
        }
    }

    @Test func ackReusingTheInviteBranchStopsRetransmission() async throws {
        // RFC 6026 §8.7: an ACK that matches the INVITE transaction in Accepted (same branch,
        // or the RFC 2543 key of a legacy caller) is passed to the dialog.
        try await Loopback.run { loopback in
            let (_, script, tag) = try await answeredCall(loopback, branch: "z9hG4bKsame")
            try await loopback.caller.send(script.ack(branch: "z9hG4bKsame", toTag: tag))
            try await loopback.sync()
            loopback.caller.discard(where: isInvite200)
            #expect(try await loopback.caller.collect(for: .milliseconds(700)).isEmpty)
        }
    }

    @Test func cancelBeforeAnswer() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.caller.send(script.invite(branch: "z9hG4bKcancel"))
            _ = try await loopback.caller.receive { $0.statusCode == 100 }
            let call = try await loopback.delegate.incomingCall()

            try await loopback.caller.send(script.cancel(branch: "z9hG4bKcancel"))
            let cancelOK = try await loopback.caller.receive { $0.statusCode == 200 && $0.cseq.method == .cancel }
            let terminated = try await loopback.caller.receive { $0.statusCode == 487 }
            #expect(terminated.cseq.method == .invite)
            #expect(terminated.to.tag != nil)
            #expect(terminated.to.tag == cancelOK.to.tag)
            #expect(try await loopback.delegate.ending(of: call.id) == .cancelled)

            // The 487 is retransmitted until its ACK (same branch, §17.1.1.3), then no more.
            _ = try await loopback.caller.receive { $0.statusCode == 487 }
            try await loopback.caller.send(script.ack(branch: "z9hG4bKcancel", toTag: terminated.to.tag))
            try await loopback.sync()
            loopback.caller.discard { $0.statusCode == 487 }
            #expect(try await loopback.caller.collect(for: .milliseconds(700)).isEmpty)
        }
    }

    @Test func scriptedRejectWith404() async throws {
        try await Loopback.run { loopback in
            let agent = loopback.agent
            loopback.delegate.onIncomingCall { call in agent.reject(call.id, status: 404) }
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.caller.send(script.invite(branch: "z9hG4bK404"))
            let notFound = try await loopback.caller.receive { $0.statusCode == 404 }
            #expect(notFound.startLine == .response(status: 404, reason: "Not Found"))
            #expect(notFound.to.tag != nil)
            let call = try await loopback.delegate.incomingCall()
            #expect(try await loopback.delegate.ending(of: call.id) == .rejected(status: 404))
        }
    }

    @Test func rejectWith503AndRetryAfter() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.caller.send(script.invite(branch: "z9hG4bK503"))
            let call = try await loopback.delegate.incomingCall()
            loopback.agent.reject(call.id, status: 503, headers: [SIPHeader("Retry-After", "120")])
            let unavailable = try await loopback.caller.receive { $0.statusCode == 503 }
            #expect(unavailable.header("Retry-After") == "120")
            #expect(try await loopback.delegate.ending(of: call.id) == .rejected(status: 503))
        }
    }

    @Test func hangUpAfterAckSendsBye() async throws {
        try await Loopback.run { loopback in
            let (call, script, tag) = try await answeredCall(loopback)
            try await loopback.caller.send(script.ack(branch: "z9hG4bKack2", toTag: tag))
            try await loopback.sync()

            loopback.agent.hangUp(call.id)
            let bye = try await loopback.caller.receive { $0.method == .bye }
            #expect(bye.requestURI?.text == "sip:alice@127.0.0.1:\(loopback.caller.port)")  // the Contact
            #expect(bye.from.tag == tag)
            #expect(bye.to.tag == "caller1")
            #expect(bye.callID == script.callID)
            #expect(bye.vias.first?.hasMagicCookie == true)
            #expect(loopback.delegate.endings.isEmpty)  // not over until the BYE is answered

            try await loopback.caller.send(SIPScript.ok(to: bye))
            #expect(try await loopback.delegate.ending(of: call.id) == .localHangUp)
        }
    }

    @Test func hangUpBeforeAckWaitsForTheAck() async throws {
        // RFC 3261 §15: no BYE before the ACK.
        try await Loopback.run { loopback in
            let (call, script, tag) = try await answeredCall(loopback)
            loopback.agent.hangUp(call.id)
            try await loopback.sync()
            let early = try await loopback.caller.collect(for: .milliseconds(200))
            #expect(early.allSatisfy { $0.message.map(isInvite200) ?? false })

            try await loopback.caller.send(script.ack(branch: "z9hG4bKack3", toTag: tag))
            let bye = try await loopback.caller.receive { $0.method == .bye }
            try await loopback.caller.send(SIPScript.ok(to: bye))
            #expect(try await loopback.delegate.ending(of: call.id) == .localHangUp)
        }
    }

    @Test func noAckEndsTheCallWithBye() async throws {
        // §13.3.1.4: Timer H (64·T1 = 3.2 s here) without an ACK → BYE and ackTimeout.
        try await Loopback.run { loopback in
            let (call, _, tag) = try await answeredCall(loopback)
            let bye = try await loopback.caller.receive(within: .seconds(8)) { $0.method == .bye }
            #expect(bye.from.tag == tag)
            #expect(try await loopback.delegate.ending(of: call.id) == .ackTimeout)
        }
    }

    @Test func hangUpBeforeAnswerRejects() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.caller.send(script.invite(branch: "z9hG4bK480"))
            let call = try await loopback.delegate.incomingCall()
            loopback.agent.hangUp(call.id)
            _ = try await loopback.caller.receive { $0.statusCode == 480 }
            #expect(try await loopback.delegate.ending(of: call.id) == .rejected(status: 480))
        }
    }
}
