import Crypto

/// Who may place calls when the bridge asks for credentials (`sip.auth`).
public struct DigestAuthSettings: Sendable, Hashable {
    /// The protection realm (RFC 3261 §22.1).
    public var realm: String
    /// User names and their passwords.
    public var users: [String: String]
    /// Challenge algorithms, preferred first (RFC 8760 §2.4: SHA-256 before MD5).
    public var algorithms: [DigestAlgorithm]
    /// How long a nonce stays good, in seconds; an older one gets `stale=true` (RFC 7616 §3.3).
    public var nonceLifetime: Int

    /// Creates settings.
    public init(realm: String, users: [String: String], algorithms: [DigestAlgorithm] = [.sha256, .md5], nonceLifetime: Int = 300) {
        self.realm = realm
        self.users = users
        self.algorithms = algorithms
        self.nonceLifetime = nonceLifetime
    }
}

/// Digest authentication of new INVITEs as UAS (RFC 3261 §22.2 and §22.4, RFC 8760): `401`
/// with one `WWW-Authenticate` per algorithm, then the retried INVITE's `Authorization` is
/// checked. Nonces are stateless — a timestamp and its HMAC under a per-process key — so they
/// cost no memory and expire by themselves.
public struct DigestAuthenticator: Sendable {
    /// The outcome of checking a request.
    public enum Outcome: Sendable, Hashable {
        case authenticated(user: String)
        /// Ask (again); `stale` when the credentials were right but the nonce too old.
        case challenge(stale: Bool)
    }

    public let settings: DigestAuthSettings
    private let key: SymmetricKey

    /// Creates an authenticator with a fresh random nonce key.
    public init(settings: DigestAuthSettings) {
        self.settings = settings
        key = SymmetricKey(size: .bits256)
    }

    /// The `WWW-Authenticate` headers of a 401 (RFC 7616 §3.3).
    /// - Parameters:
    ///   - now: seconds on a monotonic clock.
    ///   - stale: whether to say the previous nonce was merely out of date.
    public func challenge(now: Int64, stale: Bool) -> [SIPHeader] {
        let nonce = makeNonce(at: now)
        return settings.algorithms.map { algorithm in
            var value = "Digest realm=\"\(settings.realm)\", nonce=\"\(nonce)\", algorithm=\(algorithm.rawValue), qop=\"auth\""
            if stale { value += ", stale=true" }
            return SIPHeader("WWW-Authenticate", value)
        }
    }

    /// Checks a request's `Authorization` headers.
    /// - Parameters:
    ///   - request: the INVITE.
    ///   - now: seconds on the same clock as `challenge`.
    public func verify(_ request: SIPMessage, now: Int64) -> Outcome {
        var stale = false
        for header in request.otherHeaders where header.name.lowercased() == "authorization" {
            guard let credentials = DigestParameters(header: header.value), credentials["realm"] == settings.realm,
                let user = credentials["username"], let password = settings.users[user],
                let algorithm = DigestAlgorithm(rawValue: (credentials["algorithm"] ?? "MD5").uppercased()),
                settings.algorithms.contains(algorithm), let nonce = credentials["nonce"], let uri = credentials["uri"],
                let response = credentials["response"], let issued = nonceTime(nonce)
            else { continue }
            let qop = credentials["qop"]
            if let qop, qop.lowercased() != "auth" || credentials["cnonce"] == nil || credentials["nc"] == nil { continue }
            let expected = DigestResponse(
                algorithm: algorithm, username: user, realm: settings.realm, password: password,
                method: request.method?.rawValue ?? "", uri: uri, nonce: nonce, qop: qop, cnonce: credentials["cnonce"],
                nonceCount: credentials["nc"]
            ).value
            guard Self.constantTimeEqual(expected, response.lowercased()) else { continue }
            guard now - issued <= Int64(settings.nonceLifetime), issued <= now else {
                stale = true
                continue
            }
            return .authenticated(user: user)
        }
        return .challenge(stale: stale)
    }

    /// `<seconds hex>.<HMAC-SHA256 hex>`.
    func makeNonce(at now: Int64) -> String {
        let stamp = String(UInt64(bitPattern: now), radix: 16)
        return stamp + "." + mac(stamp)
    }

    /// The issue time of a nonce this process made, or `nil` for a forged or foreign one.
    func nonceTime(_ nonce: String) -> Int64? {
        let parts = nonce.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, Self.constantTimeEqual(mac(String(parts[0])), String(parts[1])),
            let stamp = UInt64(parts[0], radix: 16)
        else { return nil }
        return Int64(bitPattern: stamp)
    }

    private func mac(_ text: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)
            .map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
