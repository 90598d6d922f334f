import NIOCore
import SIPIngress
import Yams

extension BridgeConfig.SIP {
    /// One `sip.registrations[]` entry as written (the registrar is resolved at start).
    struct Registration: Sendable, Hashable {
        var registrarHost: String
        var registrarPort: Int
        var domain: String
        var user: String
        var authUser: String
        var password: String
        var expires: Int
    }

    /// `sip.registrations`: bindings the bridge registers at providers (RFC 3261 §10.2).
    ///
    /// ```yaml
    /// registrations:
    ///   - registrar: "sip.provider.example:5060"
    ///     domain: provider.example          # default: the registrar's host
    ///     user: "+15550100"
    ///     auth_user: acct7                   # default: user
    ///     password: "${PROVIDER_PASSWORD}"
    ///     expires_s: 600
    /// ```
    mutating func parseRegistrations(_ node: Node?, _ reader: ConfigReader) {
        guard let items = reader.sequence(node, "sip.registrations") else { return }
        for (index, item) in items.enumerated() {
            let path = "sip.registrations[\(index)]"
            guard let entry = reader.mapping(item, path, allowed: ["registrar", "domain", "user", "auth_user", "password", "expires_s"])
            else { continue }
            guard let registrar = reader.string(entry["registrar"], "\(path).registrar") else {
                reader.report("\(path).registrar", "required (HOST or HOST:PORT)")
                continue
            }
            let (host, port) = registrar.contains(":") && !registrar.hasSuffix("]")
                ? BridgeConfig.hostPort(registrar) ?? ("", 0) : (registrar, 5060)
            guard !host.isEmpty, (1...65535).contains(port) else {
                reader.report("\(path).registrar", "expected HOST or HOST:PORT, got \"\(registrar)\"")
                continue
            }
            guard let user = reader.string(entry["user"], "\(path).user"), !user.isEmpty else {
                reader.report("\(path).user", "required (the user part of the address of record)")
                continue
            }
            guard let password = reader.string(entry["password"], "\(path).password") else {
                reader.report("\(path).password", "required (use ${NAME} to take it from the environment)")
                continue
            }
            let expires = reader.int(entry["expires_s"], "\(path).expires_s", in: 60...86_400) ?? 600
            registrations.append(
                Registration(
                    registrarHost: host, registrarPort: port, domain: reader.string(entry["domain"], "\(path).domain") ?? host,
                    user: user, authUser: reader.string(entry["auth_user"], "\(path).auth_user") ?? user, password: password,
                    expires: expires))
        }
    }

    /// The registrations with their registrars resolved to addresses (a blocking lookup, done
    /// once at start).
    /// - Throws: `BridgeStartError` naming the entry whose registrar does not resolve.
    func resolvedRegistrations() throws -> [RegistrationSettings] {
        try registrations.enumerated().map { index, entry in
            let address: String
            do {
                address = try SocketAddress.makeAddressResolvingHost(entry.registrarHost, port: entry.registrarPort).ipAddress ?? ""
            } catch {
                throw BridgeStartError("sip.registrations[\(index)].registrar: cannot resolve \(entry.registrarHost): \(error)")
            }
            return RegistrationSettings(
                registrarHost: address, registrarPort: entry.registrarPort, domain: entry.domain, user: entry.user,
                authUser: entry.authUser, password: entry.password, expires: entry.expires)
        }
    }

    /// `sip.registrations` for `check-config`, passwords masked.
    func registrationsYAML(quoted: (String) -> String) -> [String] {
        guard !registrations.isEmpty else { return ["  registrations: []"] }
        return ["  registrations:"] + registrations.map { entry in
            "    - { registrar: \(quoted("\(entry.registrarHost):\(entry.registrarPort)")), domain: \(quoted(entry.domain)), "
                + "user: \(quoted(entry.user)), auth_user: \(quoted(entry.authUser)), password: \(quoted("***")), expires_s: \(entry.expires) }"
        }
    }
}
