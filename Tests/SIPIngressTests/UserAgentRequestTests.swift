import Foundation
import NIOCore
import Testing
import Transcode
@testable import SIPIngress

/// Tier 3: out-of-dialog requests and junk through a real `UserAgent` over loopback UDP.
@Suite(.serialized) struct UserAgentRequestTests {
    @Test func optionsIsAnsweredWithAllow() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.caller.send(script.options(branch: "z9hG4bKopt"))
            let datagram = try #require(try await loopback.caller.receiveAny(within: .seconds(3)))
            let ok = try #require(datagram.message)
            #expect(ok.startLine == .response(status: 200, reason: "OK"))
            #expect(ok.cseq == CSeq(number: 1, method: .options))
            #expect(ok.to.tag != nil)
            #expect(ok.vias.first?.branch == "z9hG4bKopt")
            #expect(ok.vias.first?.parameter("rport") == .some("\(loopback.caller.port)"))
            #expect(datagram.text.contains("\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO\r\n"))
            #expect(ok.header("Accept") == "application/sdp")
            #expect(loopback.delegate.incomingCalls.isEmpty)
        }
    }

    @Test func byeOutsideAnyDialogIs481() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            let response = try await loopback.request(script.bye(branch: "z9hG4bKbye", toTag: "nosuchtag"), expecting: 481)
            #expect(response.cseq.method == .bye)
            #expect(loopback.delegate.endings.isEmpty)
        }
    }

    @Test func cseqMethodMismatchIs400() async throws {
        // RFC 4475 §3.1.2.17.
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            let response = try await loopback.request(script.options(branch: "z9hG4bKmm", cseqMethod: "INVITE"), expecting: 400)
            #expect(response.startLine == .response(status: 400, reason: "CSeq Method Mismatch"))
        }
    }

    @Test func garbageWithTheFiveHeadersGetsStateless400() async throws {
        try await Loopback.run { loopback in
            let garbage = [
                "INVITE sip:bob@127.0.0.1 SIP/2.0",
                "Via: SIP/2.0/UDP 127.0.0.1:\(loopback.caller.port);branch=z9hG4bKjunk",
                "From: <sip:alice@127.0.0.1>;tag=j",
                "To: <sip:bob@127.0.0.1>",
                "Call-ID: junk@127.0.0.1",
                "CSeq: 1 INVITE",
                "Content-Length: -5",
                "",
                "",
            ].joined(separator: "\r\n")
            try await loopback.caller.send(garbage)
            let datagram = try #require(try await loopback.caller.receiveAny(within: .seconds(3)))
            #expect(datagram.text == [
                "SIP/2.0 400 Bad Request",
                "Via: SIP/2.0/UDP 127.0.0.1:\(loopback.caller.port);branch=z9hG4bKjunk",
                "From: <sip:alice@127.0.0.1>;tag=j",
                "To: <sip:bob@127.0.0.1>",
                "Call-ID: junk@127.0.0.1",
                "CSeq: 1 INVITE",
                "Server: sipbridge",
                "Content-Length: 0",
                "", "",
            ].joined(separator: "\r\n"))
            #expect(loopback.delegate.incomingCalls.isEmpty)
        }
    }

    @Test(arguments: [
        "complete garbage\r\n\r\n",
        // A Via but no CSeq: the client could not match an answer to anything (§17.1.3).
        "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\nCall-ID: x\r\n\r\n",
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKy\r\nFrom: <sip:a@b>;tag=1\r\n"
            + "To: <sip:c@d>;tag=2\r\nCall-ID: stray@127.0.0.1\r\nCSeq: 5 BYE\r\nContent-Length: 0\r\n\r\n",
    ])
    func nothingIsSentBack(datagram: String) async throws {
        // Unaddressable garbage and stray responses are dropped (RFC 3261 §18.1.2).
        try await Loopback.run { loopback in
            try await loopback.caller.send(datagram)
            try await loopback.sync()
            #expect(try await loopback.caller.collect(for: .zero).isEmpty)
            #expect(loopback.delegate.incomingCalls.isEmpty)
        }
    }

    @Test func inviteWithoutOfferIs488() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.request(script.invite(branch: "z9hG4bKnooffer", body: ""), expecting: 488)
            #expect(loopback.delegate.incomingCalls.isEmpty)
        }
    }

    @Test func offerWithoutCommonCodecStillReachesTheApplication() async throws {
        // The codec choice is the application's (it knows `rtp.codecs`); the SIP layer only
        // insists that the SDP parses.
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            let g729 = SIPScript.offer.replacingOccurrences(of: "RTP/AVP 0 8 101", with: "RTP/AVP 18")
            try await loopback.caller.send(script.invite(branch: "z9hG4bKg729", body: g729))
            let call = try await loopback.delegate.incomingCall()
            #expect(throws: SIPIngressError.noCommonCodec) {
                try OfferAnswer.negotiate(offer: call.offer, preferences: [.pcmu, .pcma])
            }
        }
    }
}
