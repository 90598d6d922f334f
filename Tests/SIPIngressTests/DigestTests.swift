import Foundation
import Testing
@testable import SIPIngress

/// Tier 1: digest computation against RFC 7616 §3.9.1, header parsing, and the UAS
/// authenticator's nonce handling on a hand-set clock.
@Suite struct DigestTests {
    private static let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
    private static let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

    @Test(arguments: [
        (DigestAlgorithm.md5, "8ca523f5e9506fed4657c9700eebdbec"),
        (.sha256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ])
    func rfc7616Example(algorithm: DigestAlgorithm, expected: String) {
        let response = DigestResponse(
            algorithm: algorithm, username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life",
            method: "GET", uri: "/dir/index.html", nonce: Self.nonce, qop: "auth", cnonce: Self.cnonce, nonceCount: "00000001")
        #expect(response.value == expected)
    }

    @Test func parametersParseQuotedEscapedAndBareValues() throws {
        let header = #"Digest username="bob", realm="a \"quoted\" realm",nonce="n1, still n1", uri="sip:x@y", algorithm=SHA-256 , nc=00000001, qop=auth"#
        let parameters = try #require(DigestParameters(header: header))
        #expect(parameters["username"] == "bob")
        #expect(parameters["realm"] == #"a "quoted" realm"#)
        #expect(parameters["nonce"] == "n1, still n1")
        #expect(parameters["algorithm"] == "SHA-256")
        #expect(parameters["nc"] == "00000001")
        #expect(parameters["qop"] == "auth")
        #expect(DigestParameters(header: "Basic Zm9vOmJhcg==") == nil)
    }

    /// An INVITE carrying `authorization` (a header value) or none.
    private static func invite(_ authorization: String?) throws -> SIPMessage {
        let script = SIPScript(callerPort: 5062)
        let extra = authorization.map { ["Authorization: \($0)"] } ?? []
        return try TestMessages.parse(Array(script.invite(branch: "z9hG4bKauth", extra: extra).utf8))
    }

    /// Credentials answering `challenge` the way a caller computes them.
    private static func credentials(
        for challenge: SIPHeader, user: String = "carrier", password: String = "s3cret", qop: Bool = true
    ) throws -> String {
        let parameters = try #require(DigestParameters(header: challenge.value))
        let algorithm = try #require(DigestAlgorithm(rawValue: parameters["algorithm"] ?? ""))
        let nonce = try #require(parameters["nonce"])
        let uri = "sip:+15550100@127.0.0.1"
        let response = DigestResponse(
            algorithm: algorithm, username: user, realm: "sipbridge", password: password, method: "INVITE", uri: uri,
            nonce: nonce, qop: qop ? "auth" : nil, cnonce: qop ? "abc" : nil, nonceCount: qop ? "00000001" : nil)
        let qopPart = qop ? ", qop=auth, cnonce=\"abc\", nc=00000001" : ""
        return "Digest username=\"\(user)\", realm=\"sipbridge\", nonce=\"\(nonce)\", uri=\"\(uri)\", response=\"\(response.value)\", algorithm=\(algorithm.rawValue)\(qopPart)"
    }

    private static let authenticator = DigestAuthenticator(
        settings: DigestAuthSettings(realm: "sipbridge", users: ["carrier": "s3cret"], nonceLifetime: 300))

    @Test func challengeListsSHA256BeforeMD5() throws {
        let headers = Self.authenticator.challenge(now: 1000, stale: false)
        #expect(headers.map(\.name) == ["WWW-Authenticate", "WWW-Authenticate"])
        #expect(headers.map { DigestParameters(header: $0.value)?["algorithm"] } == ["SHA-256", "MD5"])
        #expect(headers.allSatisfy { DigestParameters(header: $0.value)?["qop"] == "auth" && !$0.value.contains("stale") })
        #expect(Self.authenticator.challenge(now: 1000, stale: true)[0].value.hasSuffix(", stale=true"))
    }

    @Test func rightCredentialsPassForEitherAlgorithmAndWithoutQop() throws {
        for challenge in Self.authenticator.challenge(now: 1000, stale: false) {
            for qop in [true, false] {
                let request = try Self.invite(try Self.credentials(for: challenge, qop: qop))
                #expect(Self.authenticator.verify(request, now: 1010) == .authenticated(user: "carrier"))
            }
        }
    }

    @Test func wrongOrMissingCredentialsAreChallengedAgain() throws {
        let challenge = Self.authenticator.challenge(now: 1000, stale: false)[0]
        #expect(Self.authenticator.verify(try Self.invite(nil), now: 1000) == .challenge(stale: false))
        let wrongPassword = try Self.credentials(for: challenge, password: "guess")
        #expect(Self.authenticator.verify(try Self.invite(wrongPassword), now: 1000) == .challenge(stale: false))
        let unknownUser = try Self.credentials(for: challenge, user: "mallory")
        #expect(Self.authenticator.verify(try Self.invite(unknownUser), now: 1000) == .challenge(stale: false))
        // A nonce this process did not make (another key) is worthless.
        let other = DigestAuthenticator(settings: Self.authenticator.settings)
        let foreign = try Self.credentials(for: other.challenge(now: 1000, stale: false)[0])
        #expect(Self.authenticator.verify(try Self.invite(foreign), now: 1000) == .challenge(stale: false))
    }

    @Test func oldNonceIsStaleAndMD5CanBeTurnedOff() throws {
        let challenge = Self.authenticator.challenge(now: 1000, stale: false)[0]
        let good = try Self.invite(try Self.credentials(for: challenge))
        #expect(Self.authenticator.verify(good, now: 1300) == .authenticated(user: "carrier"))
        #expect(Self.authenticator.verify(good, now: 1301) == .challenge(stale: true))
        let shaOnly = DigestAuthenticator(settings: DigestAuthSettings(realm: "sipbridge", users: ["carrier": "s3cret"], algorithms: [.sha256]))
        let md5Challenge = SIPHeader("WWW-Authenticate", shaOnly.challenge(now: 1000, stale: false)[0].value.replacingOccurrences(of: "SHA-256", with: "MD5"))
        #expect(shaOnly.verify(try Self.invite(try Self.credentials(for: md5Challenge)), now: 1000) == .challenge(stale: false))
    }
}
