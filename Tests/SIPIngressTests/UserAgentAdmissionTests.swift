import Foundation
import NIOCore
import Testing
@testable import SIPIngress

/// Tier 3: the admission rules through a real `UserAgent` over loopback UDP — allow-list,
/// Max-Forwards 0 and the INVITE rate limit.
@Suite(.serialized) struct UserAgentAdmissionTests {
    private static func policy(_ blocks: [String], _ action: AdmissionPolicy.UntrustedAction) -> AdmissionPolicy {
        AdmissionPolicy(trustedSources: blocks.compactMap(AddressBlock.init), untrustedAction: action)
    }

    @Test func trustedSourceIsServed() async throws {
        try await Loopback.run(admission: Self.policy(["192.0.2.0/24", "127.0.0.0/8"], .drop)) { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.request(script.invite(branch: "z9hG4bKtrusted"), expecting: 100)
            #expect(try await eventually { loopback.delegate.incomingCalls.first } != nil)
        }
    }

    @Test func untrustedSourceGets403AndNoCall() async throws {
        try await Loopback.run(admission: Self.policy(["192.0.2.0/24"], .reject)) { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            let forbidden = try await loopback.request(script.invite(branch: "z9hG4bKuntrusted"), expecting: 403)
            #expect(forbidden.cseq.method == .invite)
            #expect(forbidden.header("Server") == nil && forbidden.header("User-Agent") == nil, "a stranger learns no product name")
            let options = try await loopback.request(script.options(branch: "z9hG4bKuntrustedopt"), expecting: 403)
            #expect(options.header("Server") == nil)
            // Unparsable (Content-Length: lots) but with a Via and CSeq: a trusted peer would get
            // a stateless 400 with `Server`; a stranger gets nothing.
            try await loopback.caller.send(
                "INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(loopback.caller.port);branch=z9hG4bKjunk\r\n"
                    + "CSeq: 1 INVITE\r\nContent-Length: lots\r\n\r\n")
            // (The INVITE's 403 is retransmitted until an ACK: only a 400 would be new.)
            let answers = try await loopback.caller.collect(for: .milliseconds(300))
            #expect(!answers.contains { $0.text.hasPrefix("SIP/2.0 400") })
            #expect(loopback.delegate.incomingCalls.isEmpty)
            #expect(try await loopback.agent.rejectedRequests() == 3)
        }
    }

    @Test func untrustedSourceIsIgnoredWhenDropping() async throws {
        try await Loopback.run(admission: Self.policy(["192.0.2.0/24"], .drop)) { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            try await loopback.caller.send(script.invite(branch: "z9hG4bKdropped"))
            try await loopback.caller.send(script.options(branch: "z9hG4bKdroppedopt"))
            #expect(try await loopback.caller.collect(for: .milliseconds(300)).isEmpty)
            #expect(try await loopback.agent.rejectedRequests() == 2)
            #expect(loopback.delegate.incomingCalls.isEmpty)
        }
    }

    @Test func maxForwardsZeroInviteIs483ButOptionsIsAnswered() async throws {
        try await Loopback.run { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            let invite = script.invite(branch: "z9hG4bKloop").replacingOccurrences(of: "Max-Forwards: 70", with: "Max-Forwards: 0")
            try await loopback.request(invite, expecting: 483)
            let options = script.options(branch: "z9hG4bKmf0").replacingOccurrences(of: "Max-Forwards: 70", with: "Max-Forwards: 0")
            try await loopback.request(options, expecting: 200)  // RFC 4475 §3.3.11 zeromf
            #expect(loopback.delegate.incomingCalls.isEmpty)
        }
    }

    @Test func invitesBeyondTheBurstGet503WithRetryAfter() async throws {
        let policy = AdmissionPolicy(invitesPerSecond: 0.5, inviteBurst: 2)
        try await Loopback.run(admission: policy) { loopback in
            for index in 0..<2 {
                let script = SIPScript(callID: "burst-\(index)@127.0.0.1", callerPort: loopback.caller.port)
                try await loopback.request(script.invite(branch: "z9hG4bKburst\(index)"), expecting: 100)
            }
            // A retransmission of an admitted INVITE is absorbed, not counted.
            let first = SIPScript(callID: "burst-0@127.0.0.1", callerPort: loopback.caller.port)
            try await loopback.caller.send(first.invite(branch: "z9hG4bKburst0"))
            let third = SIPScript(callID: "burst-2@127.0.0.1", callerPort: loopback.caller.port)
            let refused = try await loopback.request(third.invite(branch: "z9hG4bKburst2"), expecting: 503)
            #expect(refused.header("Retry-After") == "2")
            #expect(try await eventually { loopback.delegate.incomingCalls.count == 2 ? true : nil } == true)
            #expect(try await loopback.agent.rejectedRequests() == 1)
        }
    }

    @Test func digestChallengeAndSHA256CredentialsOverTheWire() async throws {
        try await Loopback.run(authentication: DigestAuthSettings(realm: "sipbridge", users: ["carrier": "s3cret"])) { loopback in
            let script = SIPScript(callerPort: loopback.caller.port)
            let challenge = try await loopback.request(script.invite(branch: "z9hG4bKauth1"), expecting: 401)
            let offers = challenge.otherHeaders.filter { $0.name == "WWW-Authenticate" }.compactMap { DigestParameters(header: $0.value) }
            #expect(offers.map { $0["algorithm"] } == ["SHA-256", "MD5"])
            try await loopback.caller.send(script.ack(branch: "z9hG4bKauth1", toTag: challenge.to.tag))
            #expect(loopback.delegate.incomingCalls.isEmpty)

            let nonce = try #require(offers.first?["nonce"])
            let uri = "sip:+15550100@127.0.0.1"
            let response = DigestResponse(
                algorithm: .sha256, username: "carrier", realm: "sipbridge", password: "s3cret", method: "INVITE", uri: uri,
                nonce: nonce, qop: "auth", cnonce: "0a4f113b", nonceCount: "00000001")
            let authorization = "Authorization: Digest username=\"carrier\", realm=\"sipbridge\", nonce=\"\(nonce)\", uri=\"\(uri)\", "
                + "response=\"\(response.value)\", algorithm=SHA-256, qop=auth, cnonce=\"0a4f113b\", nc=00000001"
            let retry = script.invite(branch: "z9hG4bKauth2", extra: [authorization]).replacingOccurrences(of: "CSeq: 1 INVITE", with: "CSeq: 2 INVITE")
            try await loopback.request(retry, expecting: 100)
            _ = try await loopback.delegate.incomingCall()
        }
    }
}
