import SIPIngress
import Yams

extension BridgeConfig.SIP {
    /// `sip.auth`: digest authentication of new INVITEs (RFC 3261 §22, RFC 8760).
    ///
    /// ```yaml
    /// auth:
    ///   realm: sipbridge
    ///   users: { carrier: "${CARRIER_SIP_PASSWORD}" }
    ///   algorithms: [SHA-256, MD5]
    ///   nonce_ttl_s: 300
    /// ```
    mutating func parseAuthentication(_ node: Node?, _ reader: ConfigReader) {
        guard let auth = reader.mapping(node, "sip.auth", allowed: ["realm", "users", "algorithms", "nonce_ttl_s"]) else { return }
        var settings = DigestAuthSettings(realm: "sipbridge", users: [:])
        if let realm = reader.string(auth["realm"], "sip.auth.realm") {
            if realm.isEmpty || realm.contains("\"") {
                reader.report("sip.auth.realm", "expected a non-empty realm without quotes")
            } else {
                settings.realm = realm
            }
        }
        if let users = auth["users"], case .mapping(let mapping) = users, !mapping.isEmpty {
            for (key, value) in mapping {
                let name = key.string ?? ""
                let path = "sip.auth.users.\(name)"
                guard !name.isEmpty, !name.contains(":"), !name.contains("\"") else {
                    reader.report(path, "not a valid user name")
                    continue
                }
                guard let password = reader.string(value, path) else { continue }
                guard !(value.string ?? "").isEmpty else {
                    reader.report(path, "empty password")
                    continue
                }
                settings.users[name] = password
            }
        } else {
            reader.report("sip.auth.users", "expected a mapping of user names to passwords (use ${NAME} for the passwords)")
        }
        if let items = reader.sequence(auth["algorithms"], "sip.auth.algorithms") {
            settings.algorithms = items.enumerated().compactMap { index, item in
                let path = "sip.auth.algorithms[\(index)]"
                guard let text = reader.string(item, path) else { return nil }
                guard let algorithm = DigestAlgorithm(rawValue: text.uppercased()) else {
                    reader.report(path, "expected SHA-256 or MD5, got \"\(text)\"")
                    return nil
                }
                return algorithm
            }
            if items.isEmpty { reader.report("sip.auth.algorithms", "at least one algorithm is required") }
        }
        if let ttl = reader.int(auth["nonce_ttl_s"], "sip.auth.nonce_ttl_s", in: 10...86_400) { settings.nonceLifetime = ttl }
        authentication = settings
    }

    /// `sip.auth` for `check-config`, passwords masked.
    func authenticationYAML(quoted: (String) -> String) -> [String] {
        guard let auth = authentication else { return ["  # auth: not set (no digest authentication)"] }
        let users = auth.users.keys.sorted().map { "\($0): \(quoted("***"))" }.joined(separator: ", ")
        return [
            "  auth:", "    realm: \(quoted(auth.realm))", "    users: { \(users) }",
            "    algorithms: [\(auth.algorithms.map(\.rawValue).joined(separator: ", "))]", "    nonce_ttl_s: \(auth.nonceLifetime)",
        ]
    }
}
