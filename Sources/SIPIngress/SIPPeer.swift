public import NIOCore

/// How a message travels (RFC 3261 §18): datagrams, or a stream connection the bridge keeps
/// open so responses and in-dialog requests go back on it (§18.2.2, RFC 5923 §4).
public enum SIPTransport: Hashable, Sendable {
    case udp
    /// A TCP connection, by the number the listener gave it.
    case tcp(connection: Int)
    /// A TLS connection (RFC 3261 §26.2.1), by the number the listener gave it.
    case tls(connection: Int)

    /// Whether the transport is reliable: no retransmission timers then (§17.1.1.2, §17.2.1).
    public var isReliable: Bool { self != .udp }

    /// Whether the transport is encrypted (TLS, §26.2): SDES keys may only travel on such a hop
    /// (RFC 4568 §8.3).
    public var isSecure: Bool {
        if case .tls = self { return true }
        return false
    }

    /// The Via transport token (§20.42).
    public var viaToken: String {
        switch self {
        case .udp: "UDP"
        case .tcp: "TCP"
        case .tls: "TLS"
        }
    }

    /// The connection number of a stream transport.
    public var connection: Int? {
        switch self {
        case .udp: nil
        case .tcp(let id), .tls(let id): id
        }
    }
}

/// The other end of a message: its address and the transport (and connection) it used.
public struct SIPPeer: Hashable, Sendable, CustomStringConvertible {
    /// The remote IP address and port.
    public let address: SocketAddress
    /// The transport the message came on (or goes on).
    public let transport: SIPTransport
    /// Where to open a new connection when the peer has closed this one (stream transports,
    /// RFC 3261 §18.2.2): the address the request came from, at the port its top `Via` names
    /// (5060 for TCP, 5061 for TLS when it names none). Learned from the peer's requests.
    public private(set) var reopenAddress: SocketAddress?
    /// The remote IP address as text, formatted once (`SocketAddress.ipAddress` runs
    /// `inet_ntop` on every read; admission, Via `received` and the call read it per request).
    public let ipAddress: String?

    /// Creates a peer.
    public init(address: SocketAddress, transport: SIPTransport = .udp) {
        self.address = address
        self.transport = transport
        self.ipAddress = address.ipAddress
    }

    /// This peer with `reopenAddress` taken from a request it sent on a stream connection:
    /// the source IP (the `received` address, not the `Via` host, which could name anyone)
    /// and the `Via` sent-by port, or the transport's default port (§18.2.2, §19.1.2).
    func learningReopenAddress(from request: SIPMessage) -> SIPPeer {
        guard transport.isReliable, reopenAddress == nil, let ip = ipAddress else { return self }
        let defaultPort = transport.isSecure ? 5061 : 5060
        let port = request.vias.first?.port ?? defaultPort
        var peer = self
        peer.reopenAddress = try? SocketAddress(ipAddress: ip, port: (1...65535).contains(port) ? port : defaultPort)
        return peer
    }

    /// The IP address and port as a tuple (port 0 when the address has none).
    var addressAndPort: (host: String, port: Int) { (ipAddress ?? "0.0.0.0", address.port ?? 0) }

    public var description: String { "\(transport.viaToken.lowercased())://\(ipAddress ?? "?"):\(address.port ?? 0)" }
}
