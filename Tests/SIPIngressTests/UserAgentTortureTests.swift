import Testing
import TestSupport
@testable import SIPIngress

/// Tier 3: each RFC 4475 / RFC 5118 vector sent as one datagram to a real `UserAgent`, with the
/// answer INDEX.md expects (or, for a tolerated defect, the tolerated one).
@Suite(.serialized, .enabled(if: NetworkIsolation.onlyLoopback, NetworkIsolation.reason))
struct UserAgentTortureTests {
    /// What the agent must do with a vector.
    enum Verdict: Sendable, CustomTestStringConvertible {
        /// Exactly one response with this status, and no call.
        case answered(Int)
        /// `100 Trying` and one incoming call (a well-formed INVITE with a usable offer).
        case call
        /// Nothing at all (responses, and requests too broken to address a reply).
        case silence

        var testDescription: String {
            switch self {
            case .answered(let status): "\(status)"
            case .call: "call"
            case .silence: "silence"
            }
        }
    }

    static let vectors: [(String, Verdict)] = [
        ("rfc4475/wsinv", .answered(481)),  // To tag but no such dialog (RFC 3261 §12.2.2)
        ("rfc4475/intmeth", .answered(501)),  // libosip2 refuses it; the stateless answer is 501
        ("rfc4475/esc01", .call),
        ("rfc4475/escnull", .answered(405)),
        ("rfc4475/esc02", .answered(501)),  // RE%47IST%45R is an unknown method
        ("rfc4475/lwsdisp", .answered(200)),
        ("rfc4475/longreq", .call),
        ("rfc4475/dblreq", .answered(405)),  // the trailing INVITE octets are ignored
        ("rfc4475/semiuri", .answered(200)),
        ("rfc4475/transports", .answered(200)),
        ("rfc4475/mpart01", .answered(501)),
        ("rfc4475/unreason", .silence),
        ("rfc4475/noreason", .silence),
        ("rfc4475/badinv01", .answered(400)),
        ("rfc4475/clerr", .answered(400)),
        ("rfc4475/ncl", .answered(400)),
        ("rfc4475/scalar02", .answered(400)),
        ("rfc4475/scalarlg", .silence),
        ("rfc4475/quotbal", .answered(400)),
        ("rfc4475/ltgtruri", .answered(400)),
        ("rfc4475/lwsruri", .answered(400)),
        ("rfc4475/lwsstart", .answered(400)),
        ("rfc4475/trws", .answered(400)),
        ("rfc4475/escruri", .call),  // the escaped Route is ignored (tolerated)
        ("rfc4475/baddate", .call),  // Date is not interpreted (tolerated)
        ("rfc4475/regbadct", .answered(405)),  // brackets inferred (tolerated)
        ("rfc4475/badaspec", .answered(400)),
        ("rfc4475/baddn", .answered(400)),
        ("rfc4475/badvers", .answered(505)),
        ("rfc4475/mismatch01", .answered(400)),
        ("rfc4475/mismatch02", .answered(400)),  // 400 is acceptable besides 501
        ("rfc4475/bigcode", .silence),
        ("rfc4475/badbranch", .answered(200)),  // RFC 2543 matching fallback
        ("rfc4475/unkscm", .answered(416)),
        ("rfc4475/novelsc", .answered(416)),  // libosip2 refuses the URI; the stateless answer is 416
        ("rfc4475/unksm2", .answered(405)),
        ("rfc4475/bext01", .answered(420)),
        ("rfc4475/invut", .answered(415)),
        ("rfc4475/regaut01", .answered(405)),
        ("rfc4475/insuf", .answered(400)),  // Via and CSeq are there: enough to answer
        ("rfc4475/multi01", .answered(400)),
        ("rfc4475/mcl01", .answered(400)),
        ("rfc4475/bcast", .silence),
        ("rfc4475/zeromf", .answered(200)),
        ("rfc4475/cparam01", .answered(405)),
        ("rfc4475/cparam02", .answered(405)),
        ("rfc4475/regescrt", .answered(405)),
        ("rfc4475/sdp01", .answered(406)),
        ("rfc4475/inv2543", .call),
        ("rfc5118/ipv6-good", .answered(405)),
        ("rfc5118/ipv6-bad", .answered(400)),
        ("rfc5118/port-ambiguous", .answered(405)),
        ("rfc5118/port-unambiguous", .answered(405)),
        ("rfc5118/via-received-param-with-delim", .answered(481)),
        ("rfc5118/via-received-param-no-delim", .answered(200)),
        ("rfc5118/ipv6-in-sdp", .answered(400)),  // as published: Content-Length > body
        ("rfc5118/mult-ip-in-header", .answered(481)),
        ("rfc5118/mult-ip-in-sdp", .answered(488)),  // as published: the SDP is cut short
        ("rfc5118/ipv4-mapped-ipv6", .answered(488)),
        ("rfc5118/ipv6-bug-abnf-3-colons", .answered(400)),
        ("rfc5118/ipv6-correct-abnf-2-colons", .answered(200)),
    ]

    @Test(arguments: vectors)
    func vectorIsAnswered(name: String, verdict: Verdict) async throws {
        let bytes = try TestMessages.fixture("\(name).dat")
        try await Loopback.run { loopback in
            try await loopback.caller.send(bytes)
            switch verdict {
            case .answered(let status):
                // Raw text: a stateless 400 copies headers that may not parse themselves.
                let response = try #require(try await loopback.caller.receiveAny(within: .seconds(3)))
                #expect(response.text.hasPrefix("SIP/2.0 \(status) "))
                try await loopback.sync()
                #expect(loopback.delegate.incomingCalls.isEmpty)
            case .call:
                let trying = try await loopback.caller.receive()
                #expect(trying.statusCode == 100)
                _ = try await loopback.delegate.incomingCall()
                try await loopback.sync()
            case .silence:
                try await loopback.sync()
                #expect(loopback.delegate.incomingCalls.isEmpty)
            }
            // One answer: anything else sent before the sync's OPTIONS answer can only be a
            // retransmission of it (an INVITE's non-2xx is resent until ACKed, RFC 3261 §17.2.1).
            let others = try await loopback.caller.collect(for: .zero)
            if case .answered(let status) = verdict {
                #expect(others.allSatisfy { $0.text.hasPrefix("SIP/2.0 \(status) ") })
            } else {
                #expect(others.isEmpty)
            }
        }
    }

    @Test func bext01Lists420Unsupported() async throws {
        // RFC 4475 §3.3.5: every Require option tag is echoed in Unsupported.
        try await Loopback.run { loopback in
            try await loopback.caller.send(try TestMessages.fixture("rfc4475/bext01.dat"))
            let response = try await loopback.caller.receive { $0.statusCode == 420 }
            #expect(response.headerValues("Unsupported") == ["nothingSupportsThis", "nothingSupportsThisEither"])
        }
    }

    @Test func invutAdvertisesSDP() async throws {
        // RFC 4475 §3.3.6: 415 with Accept: application/sdp.
        try await Loopback.run { loopback in
            try await loopback.caller.send(try TestMessages.fixture("rfc4475/invut.dat"))
            let response = try await loopback.caller.receive { $0.statusCode == 415 }
            #expect(response.header("Accept") == "application/sdp")
        }
    }

    @Test func agentStillServesAfterEveryVector() async throws {
        // INDEX.md: no crash, and the agent still answers afterwards.
        try await Loopback.run { loopback in
            for (name, _) in Self.vectors {
                try await loopback.caller.send(try TestMessages.fixture("\(name).dat"))
            }
            try await loopback.sync()
            // ... and a normal request afterwards still gets its answer.
            try await loopback.caller.send(SIPScript(callID: "after-all", fromTag: "a", callerPort: loopback.caller.port).options(branch: "z9hG4bKafterall"))
            let options = try await loopback.caller.receive { $0.vias.first?.branch == "z9hG4bKafterall" }
            #expect(options.statusCode == 200)
        }
    }
}
