import NIOCore

/// One `sip.registrations[]` entry: the bridge registers `user@domain` at a registrar so a
/// provider sends that number's calls to it — from behind NAT or a dynamic address too.
public struct RegistrationSettings: Sendable, Hashable {
    /// The registrar's IP address (resolved by the caller) and port.
    public var registrarHost: String
    public var registrarPort: Int
    /// The address-of-record domain and Request-URI host (RFC 3261 §10.2).
    public var domain: String
    /// The user part of the address of record (often the phone number).
    public var user: String
    /// The digest user name (often the same as `user`).
    public var authUser: String
    public var password: String
    /// The registration interval asked for, in seconds.
    public var expires: Int

    public init(
        registrarHost: String, registrarPort: Int = 5060, domain: String, user: String, authUser: String? = nil,
        password: String, expires: Int = 600
    ) {
        self.registrarHost = registrarHost
        self.registrarPort = registrarPort
        self.domain = domain
        self.user = user
        self.authUser = authUser ?? user
        self.password = password
        self.expires = expires
    }
}

/// What `/status` shows of a registration.
public struct RegistrationStatus: Sendable, Hashable {
    public enum State: String, Sendable { case registering, registered, failed, unregistered }
    /// `sip:user@domain`.
    public var addressOfRecord: String
    public var state: State
    /// The last final status from the registrar (408 for no answer).
    public var lastStatus: Int?
    /// The interval the registrar granted.
    public var grantedSeconds: Int?
    /// Failed attempts in a row.
    public var failures: Int
}

/// The REGISTER client of RFC 3261 §10.2 for one binding: register, answer digest challenges
/// (§22.2, RFC 8760), refresh at half the granted interval, honour 423 `Min-Expires`, and back
/// off (5 s doubling to 5 min) after failures. Pure: it builds messages and asks for timers.
struct RegistrationClient {
    enum Action {
        case send(SIPMessage)
        /// Register again after this long (refresh or retry).
        case schedule(TimeAmount)
    }

    let settings: RegistrationSettings
    let local: LocalEndpoint
    let callID: String
    let fromTag: String
    private(set) var status: RegistrationStatus
    private var cseq: UInt32 = 0
    private var expires: Int
    private var challenge: (header: String, parameters: DigestParameters, algorithm: DigestAlgorithm)?
    private var nonceCount = 0
    private var challengesInARow = 0
    /// Set by `unregister`: answers end the binding, nothing is refreshed or retried.
    private(set) var removing = false

    init(settings: RegistrationSettings, local: LocalEndpoint, callID: String, fromTag: String) {
        self.settings = settings
        self.local = local
        self.callID = callID
        self.fromTag = fromTag
        expires = settings.expires
        status = RegistrationStatus(
            addressOfRecord: "sip:\(settings.user)@\(settings.domain)", state: .registering, lastStatus: nil,
            grantedSeconds: nil, failures: 0)
    }

    /// Builds the next REGISTER (with credentials when a challenge is known, §22.3).
    mutating func register(branch: String, cnonce: String) -> [Action] {
        cseq += 1
        let aor = SIPURI(
            text: "sip:\(settings.user)@\(settings.domain)", scheme: "sip", user: settings.user, host: settings.domain, port: nil)
        let address = NameAddress(text: "<\(aor.text)>", uri: aor, tag: nil)
        let requestURI = SIPURI(text: "sip:\(settings.domain)", scheme: "sip", user: nil, host: settings.domain, port: nil)
        let hostPart = local.host.contains(":") ? "[\(local.host)]" : local.host
        let contactURI = SIPURI(
            text: "sip:\(settings.user)@\(hostPart):\(local.port)", scheme: "sip", user: settings.user, host: local.host,
            port: local.port)
        var headers = [
            SIPHeader("Expires", "\(expires)"), SIPHeader("User-Agent", "sipbridge"),
            SIPHeader("Allow", SIPMethod.allowed.map(\.rawValue).joined(separator: ", ")),
        ]
        if let challenge {
            nonceCount += 1
            headers.append(authorization(challenge, uri: requestURI.text, cnonce: cnonce))
        }
        let request = SIPMessage(
            startLine: .request(method: .register, uri: requestURI), vias: [local.via(branch: branch)],
            from: address.withTag(fromTag), to: address, callID: callID, cseq: CSeq(number: cseq, method: .register),
            contacts: [NameAddress(text: "<\(contactURI.text)>", uri: contactURI, tag: nil)], maxForwards: 70,
            otherHeaders: headers)
        return [.send(request)]
    }

    /// Removes the binding (RFC 3261 §10.2.2: `Expires: 0`) so the provider stops sending calls
    /// here — when the bridge drains before a shutdown or deploy.
    mutating func unregister(branch: String, cnonce: String) -> [Action] {
        removing = true
        expires = 0
        return register(branch: branch, cnonce: cnonce)
    }

    /// Whether an unregistration is still waiting for its answer.
    var isRemovalPending: Bool { removing && status.state == .registered }

    /// A final response to the last REGISTER.
    mutating func received(_ response: SIPMessage, branch: String, cnonce: String) -> [Action] {
        guard let code = response.statusCode, code >= 200 else { return [] }
        status.lastStatus = code
        switch code {
        case 200..<300 where removing:
            status.state = .unregistered
            status.grantedSeconds = 0
            return []
        case 200..<300:
            let granted = grantedInterval(response) ?? expires
            status.state = .registered
            status.grantedSeconds = granted
            status.failures = 0
            challengesInARow = 0
            return [.schedule(.seconds(Int64(max(granted / 2, 1))))]
        case 401, 407:
            let name = code == 401 ? "WWW-Authenticate" : "Proxy-Authenticate"
            let offers = response.otherHeaders.filter { $0.name.lowercased() == name.lowercased() }
                .compactMap { DigestParameters(header: $0.value) }
            // RFC 8760 §2.4: take the strongest algorithm offered that the bridge knows.
            let chosen = DigestAlgorithm.allCases.lazy.compactMap { algorithm in
                offers.first { ($0["algorithm"] ?? "MD5").uppercased() == algorithm.rawValue }.map { ($0, algorithm) }
            }.first
            let stale = chosen?.0["stale"]?.lowercased() == "true"
            challengesInARow += 1
            guard let (parameters, algorithm) = chosen, stale || challengesInARow <= 1 else {
                return failed()  // no usable challenge, or the credentials were refused
            }
            challenge = (code == 401 ? "Authorization" : "Proxy-Authorization", parameters, algorithm)
            nonceCount = 0
            return register(branch: branch, cnonce: cnonce)
        case 423:
            // §10.2.8: the interval is too brief; use the registrar's minimum.
            guard let minimum = response.header("Min-Expires").flatMap({ Int($0.trimmingSpaces()) }), minimum > expires
            else { return failed() }
            expires = minimum
            return register(branch: branch, cnonce: cnonce)
        default:
            return failed()
        }
    }

    /// The REGISTER transaction got no final response (Timer F).
    mutating func timedOut() -> [Action] {
        status.lastStatus = 408
        return failed()
    }

    private mutating func failed() -> [Action] {
        if removing {
            // The registrar did not take the removal: the binding runs out by itself.
            status.state = .unregistered
            return []
        }
        status.state = .failed
        status.failures += 1
        challengesInARow = 0
        challenge = nil
        let backoff = min(5 << min(status.failures - 1, 6), 300)
        return [.schedule(.seconds(Int64(backoff)))]
    }

    /// The granted interval: our Contact's `expires` parameter, else `Expires` (§10.2.4).
    private func grantedInterval(_ response: SIPMessage) -> Int? {
        let mine = "sip:\(settings.user)@"
        for contact in response.contacts where contact.uri.text.hasPrefix(mine) && contact.uri.port == local.port {
            for parameter in contact.text.split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces().lowercased() }
                if pair.count == 2, pair[0] == "expires", let value = Int(pair[1]) { return value }
            }
        }
        return response.header("Expires").flatMap { Int($0.trimmingSpaces()) }
    }

    private func authorization(
        _ challenge: (header: String, parameters: DigestParameters, algorithm: DigestAlgorithm), uri: String, cnonce: String
    ) -> SIPHeader {
        let parameters = challenge.parameters
        let realm = parameters["realm"] ?? ""
        let nonce = parameters["nonce"] ?? ""
        let qop = parameters["qop"]?.split(separator: ",").map { $0.trimmingSpaces().lowercased() }.contains("auth") == true
        let count = String(repeating: "0", count: max(0, 8 - String(nonceCount, radix: 16).count)) + String(nonceCount, radix: 16)
        let response = DigestResponse(
            algorithm: challenge.algorithm, username: settings.authUser, realm: realm, password: settings.password,
            method: "REGISTER", uri: uri, nonce: nonce, qop: qop ? "auth" : nil, cnonce: qop ? cnonce : nil,
            nonceCount: qop ? count : nil)
        var value = "Digest username=\"\(settings.authUser)\", realm=\"\(realm)\", nonce=\"\(nonce)\", uri=\"\(uri)\", "
            + "response=\"\(response.value)\", algorithm=\(challenge.algorithm.rawValue)"
        if qop { value += ", qop=auth, cnonce=\"\(cnonce)\", nc=\(count)" }
        if let opaque = parameters["opaque"] { value += ", opaque=\"\(opaque)\"" }
        return SIPHeader(challenge.header, value)
    }
}
