import NIOCore
import Testing
import TestSupport
@testable import SIPIngress

/// Tier 1: the REGISTER client driven by hand-made responses (RFC 3261 §10.2, §22). Its
/// credentials are checked by the bridge's own UAS authenticator, so both sides must agree.
@Suite struct RegistrationClientTests {
    private static let settings = RegistrationSettings(
        registrarHost: "127.0.0.1", registrarPort: 5080, domain: "provider.example", user: "+15550100", authUser: "acct7",
        password: "s3cret", expires: 600)
    private static let local = LocalEndpoint(host: "198.51.100.7", port: 5060)
    private static let registrar = DigestAuthenticator(
        settings: DigestAuthSettings(realm: "provider.example", users: ["acct7": "s3cret"]))

    private func client() -> RegistrationClient {
        RegistrationClient(settings: Self.settings, local: Self.local, callID: "reg1@198.51.100.7", fromTag: "ft1")
    }

    private func sent(_ actions: [RegistrationClient.Action]) throws -> SIPMessage {
        guard actions.count == 1, case .send(let request) = actions[0] else { throw TestFailure("expected one send, got \(actions)") }
        return request
    }

    private func delay(_ actions: [RegistrationClient.Action]) -> Int64? {
        guard actions.count == 1, case .schedule(let delay) = actions[0] else { return nil }
        return delay.nanoseconds / 1_000_000_000
    }

    /// A response to `request` with `status` and extra headers, parsed as if from the wire.
    private func response(to request: SIPMessage, _ status: Int, _ headers: [String] = []) throws -> SIPMessage {
        var message = MessageFactory.response(to: request, status: status, toTag: "rt", sourceHost: nil, sourcePort: nil)
        message.otherHeaders += headers.map { line in
            let colon = line.firstIndex(of: ":")!
            return SIPHeader(String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces())
        }
        var buffer = ByteBuffer()
        message.write(into: &buffer)
        return try TestMessages.parse(Array(buffer.readableBytesView))
    }

    @Test func registerChallengeAnswerAndRefresh() throws {
        var client = client()
        let first = try sent(client.register(branch: "z9hG4bKr1", cnonce: "c1"))
        #expect(first.method == .register)
        #expect(first.requestURI?.text == "sip:provider.example")
        #expect(first.to.uri.text == "sip:+15550100@provider.example" && first.to.tag == nil && first.from.tag == "ft1")
        #expect(first.contacts.first?.uri.text == "sip:+15550100@198.51.100.7:5060")
        #expect(first.header("Expires") == "600")
        #expect(first.header("Authorization") == nil)
        #expect(client.status.state == .registering)

        let challenge = try response(to: first, 401, Self.registrar.challenge(now: 100, stale: false).map { "\($0.name): \($0.value)" })
        let second = try sent(client.received(challenge, branch: "z9hG4bKr2", cnonce: "c2"))
        #expect(second.cseq.number == first.cseq.number + 1 && second.callID == first.callID)
        #expect(DigestParameters(header: second.header("Authorization") ?? "")?["algorithm"] == "SHA-256")
        // The registrar's side accepts the credentials (method REGISTER, uri sip:provider.example).
        #expect(Self.registrar.verify(second, now: 101) == .authenticated(user: "acct7"))

        let ok = try response(to: second, 200, ["Contact: <sip:+15550100@198.51.100.7:5060>;expires=120", "Expires: 999"])
        #expect(delay(client.received(ok, branch: "z9hG4bKr3", cnonce: "c3")) == 60)  // half the granted 120 s
        #expect(client.status.state == .registered && client.status.grantedSeconds == 120 && client.status.lastStatus == 200)

        // The refresh reuses the nonce with the next count (RFC 7616 §3.4).
        let refresh = try sent(client.register(branch: "z9hG4bKr4", cnonce: "c4"))
        #expect(DigestParameters(header: refresh.header("Authorization") ?? "")?["nc"] == "00000002")
        #expect(Self.registrar.verify(refresh, now: 150) == .authenticated(user: "acct7"))
    }

    @Test func refusedCredentialsFailAndBackOff() throws {
        var client = client()
        let first = try sent(client.register(branch: "z9hG4bKa", cnonce: "c"))
        let challenge = { (request: SIPMessage) in
            try self.response(to: request, 401, ["WWW-Authenticate: Digest realm=\"p\", nonce=\"n\", algorithm=MD5"])
        }
        let second = try sent(client.received(try challenge(first), branch: "z9hG4bKb", cnonce: "c"))
        #expect(DigestParameters(header: second.header("Authorization") ?? "")?["algorithm"] == "MD5")
        #expect(DigestParameters(header: second.header("Authorization") ?? "")?["qop"] == nil)  // none offered
        // The same challenge again: the password is wrong — fail, retry in 5 s, then 10, 20 … 300.
        #expect(delay(client.received(try challenge(second), branch: "z9hG4bKc", cnonce: "c")) == 5)
        #expect(client.status.state == .failed && client.status.failures == 1 && client.status.lastStatus == 401)
        var backoffs: [Int64?] = []
        for _ in 0..<7 { backoffs.append(delay(client.timedOut())) }
        #expect(backoffs == [10, 20, 40, 80, 160, 300, 300])
        #expect(client.status.lastStatus == 408)
    }

    @Test func staleNonceIsRetriedAndTooBriefIntervalRaised() throws {
        var client = client()
        let first = try sent(client.register(branch: "z9hG4bKa", cnonce: "c"))
        let brief = try response(to: first, 423, ["Min-Expires: 1200"])
        let second = try sent(client.received(brief, branch: "z9hG4bKb", cnonce: "c"))
        #expect(second.header("Expires") == "1200")
        let challenge = try response(to: second, 401, ["WWW-Authenticate: Digest realm=\"p\", nonce=\"n1\", algorithm=MD5, qop=\"auth\""])
        let third = try sent(client.received(challenge, branch: "z9hG4bKc", cnonce: "c"))
        let stale = try response(to: third, 401, ["WWW-Authenticate: Digest realm=\"p\", nonce=\"n2\", algorithm=MD5, qop=\"auth\", stale=true"])
        let fourth = try sent(client.received(stale, branch: "z9hG4bKd", cnonce: "c"))
        #expect(DigestParameters(header: fourth.header("Authorization") ?? "")?["nonce"] == "n2")
        #expect(DigestParameters(header: fourth.header("Authorization") ?? "")?["nc"] == "00000001")
        // A failure the client cannot fix (403) backs off.
        #expect(delay(client.received(try response(to: fourth, 403), branch: "z9hG4bKe", cnonce: "c")) == 5)
    }

    @Test func unregisteringRemovesTheBindingAndStops() throws {
        var client = client()
        let first = try sent(client.register(branch: "z9hG4bKu1", cnonce: "c1"))
        let challenge = try response(to: first, 401, Self.registrar.challenge(now: 100, stale: false).map { "\($0.name): \($0.value)" })
        let second = try sent(client.received(challenge, branch: "z9hG4bKu2", cnonce: "c2"))
        #expect(delay(client.received(try response(to: second, 200, ["Expires: 600"]), branch: "z9hG4bKu3", cnonce: "c3")) == 300)
        #expect(!client.isRemovalPending)

        // RFC 3261 §10.2.2: Expires 0, the same Call-ID and Contact, credentials again.
        let removal = try sent(client.unregister(branch: "z9hG4bKu4", cnonce: "c4"))
        #expect(removal.header("Expires") == "0")
        #expect(removal.callID == first.callID && removal.cseq.number == second.cseq.number + 1)
        #expect(removal.contacts.first?.uri.text == "sip:+15550100@198.51.100.7:5060")
        #expect(Self.registrar.verify(removal, now: 102) == .authenticated(user: "acct7"))
        #expect(client.isRemovalPending)
        // A stale nonce is answered once more; the 200 ends it with nothing scheduled.
        let stale = try response(to: removal, 401, Self.registrar.challenge(now: 103, stale: true).map { "\($0.name): \($0.value)" })
        let retried = try sent(client.received(stale, branch: "z9hG4bKu5", cnonce: "c5"))
        #expect(retried.header("Expires") == "0")
        #expect(client.received(try response(to: retried, 200), branch: "z9hG4bKu6", cnonce: "c6").isEmpty)
        #expect(client.status.state == .unregistered && !client.isRemovalPending)
    }

    @Test func anUnansweredRemovalIsNotRetried() throws {
        var client = client()
        let first = try sent(client.register(branch: "z9hG4bKt1", cnonce: "c1"))
        _ = client.received(try response(to: first, 200), branch: "z9hG4bKt2", cnonce: "c2")
        _ = try sent(client.unregister(branch: "z9hG4bKt3", cnonce: "c3"))
        #expect(client.timedOut().isEmpty, "the binding runs out by itself; no retry after shutdown")
        #expect(client.status.state == .unregistered)
    }
}
