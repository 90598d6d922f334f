/// A `ws://` or `wss://` URL (RFC 6455 §3), split into what the client needs to connect and
/// to write its opening handshake.
public struct WebSocketURL: Hashable, Sendable, CustomStringConvertible {
    /// Whether the connection uses TLS (`wss`).
    public var secure: Bool
    /// The host (IPv6 without brackets).
    public var host: String
    /// The port (default 80 for ws, 443 for wss).
    public var port: Int
    /// The path and query, sent verbatim in the request line (`/` when empty).
    public var resource: String

    /// Parses a URL.
    /// - Parameter text: e.g. `wss://agent.example.com/ws?token=abc`.
    /// - Returns: `nil` when the scheme is not ws/wss, the host is empty or the port is invalid.
    public init?(_ text: String) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("ws://") {
            secure = false
            rest = text.dropFirst(5)
        } else if lower.hasPrefix("wss://") {
            secure = true
            rest = text.dropFirst(6)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var resource = String(rest[authorityEnd...])
        if let fragment = resource.firstIndex(of: "#") { resource = String(resource[..<fragment]) }
        if resource.isEmpty || resource.first == "?" { resource = "/" + resource }
        guard !authority.contains("@") else { return nil }  // userinfo is not allowed (RFC 6455 §3)
        var host = Substring(authority)
        var port = secure ? 443 : 80
        if host.first == "[" {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !after.isEmpty {
                guard after.first == ":", let value = Int(after.dropFirst()) else { return nil }
                port = value
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { return nil }
            port = value
            host = host[..<colon]
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        self.host = String(host)
        self.port = port
        self.resource = resource
    }

    /// The `Host` header value (RFC 7230 §5.4), with the port when it is not the default.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }

    public var description: String { "\(secure ? "wss" : "ws")://\(hostHeader)\(resource)" }
}
