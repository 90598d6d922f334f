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
///
/// The fields live behind one reference: a peer is copied into every transaction, session and
/// action that answers it, and copying its two socket addresses and its text field by field
/// went through the runtime's generic value witnesses (an `Optional<SIPPeer>` copied and
/// destroyed that way cost about a thousand instructions per INVITE; Benchmarks finding G).
public struct SIPPeer: Hashable, Sendable, CustomStringConvertible {
    private final class Fields: Sendable {
        let address: SocketAddress
        let transport: SIPTransport
        let reopenAddress: SocketAddress?
        let ipAddress: String?

        init(address: SocketAddress, transport: SIPTransport, reopenAddress: SocketAddress?, ipAddress: String?) {
            self.address = address
            self.transport = transport
            self.reopenAddress = reopenAddress
            self.ipAddress = ipAddress
        }
    }

    private let fields: Fields

    private init(fields: Fields) { self.fields = fields }

    /// The remote IP address and port.
    public var address: SocketAddress { fields.address }
    /// The transport the message came on (or goes on).
    public var transport: SIPTransport { fields.transport }
    /// Where to open a new connection when the peer has closed this one (stream transports,
    /// RFC 3261 §18.2.2): the address the request came from, at the port its top `Via` names
    /// (5060 for TCP, 5061 for TLS when it names none). Learned from the peer's requests.
    public var reopenAddress: SocketAddress? { fields.reopenAddress }
    /// The remote IP address as text, formatted once (`SocketAddress.ipAddress` runs
    /// `inet_ntop` on every read; admission, Via `received` and the call read it per request).
    public var ipAddress: String? { fields.ipAddress }

    /// Creates a peer.
    public init(address: SocketAddress, transport: SIPTransport = .udp) {
        self.init(fields: Fields(address: address, transport: transport, reopenAddress: nil, ipAddress: Self.ipText(address)))
    }

    public static func == (lhs: SIPPeer, rhs: SIPPeer) -> Bool {
        let (l, r) = (lhs.fields, rhs.fields)
        return l === r
            || (l.address == r.address && l.transport == r.transport && l.reopenAddress == r.reopenAddress
                && l.ipAddress == r.ipAddress)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields.address)
        hasher.combine(fields.transport)
        hasher.combine(fields.reopenAddress)
        hasher.combine(fields.ipAddress)
    }

    /// The address's IP as text: an IPv4 address written here in dotted decimal (RFC 791 §3.2's
    /// four octets; NIO's `ipAddress` goes through `inet_ntop`, ten times the work), IPv6 and
    /// the rest as NIO writes them.
    static func ipText(_ address: SocketAddress) -> String? {
        guard case .v4(let v4) = address else { return address.ipAddress }
        // `struct sockaddr_in`: family and port (two bytes each), then the address in network
        // byte order (RFC 791's octets, first to last).
        let octets = withUnsafeBytes(of: v4.address) { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) }
        return String(unsafeUninitializedCapacity: 15) { out in
            var at = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                if shift != 24 {
                    out[at] = UInt8(ascii: ".")
                    at += 1
                }
                let octet = UInt8(truncatingIfNeeded: octets >> UInt32(shift))
                if octet >= 100 {
                    out[at] = UInt8(ascii: "0") + octet / 100
                    at += 1
                }
                if octet >= 10 {
                    out[at] = UInt8(ascii: "0") + octet / 10 % 10
                    at += 1
                }
                out[at] = UInt8(ascii: "0") + octet % 10
                at += 1
            }
            return at
        }
    }

    /// This peer with `reopenAddress` taken from a request it sent on a stream connection:
    /// the source IP (the `received` address, not the `Via` host, which could name anyone)
    /// and the `Via` sent-by port, or the transport's default port (§18.2.2, §19.1.2).
    func learningReopenAddress(from request: SIPMessage) -> SIPPeer {
        guard transport.isReliable, reopenAddress == nil, let ip = ipAddress else { return self }
        let defaultPort = transport.isSecure ? 5061 : 5060
        let port = request.vias.first?.port ?? defaultPort
        let reopen = try? SocketAddress(ipAddress: ip, port: (1...65535).contains(port) ? port : defaultPort)
        return SIPPeer(fields: Fields(address: address, transport: transport, reopenAddress: reopen, ipAddress: ipAddress))
    }

    /// The IP address and port as a tuple (port 0 when the address has none).
    var addressAndPort: (host: String, port: Int) { (ipAddress ?? "0.0.0.0", address.port ?? 0) }

    public var description: String { "\(transport.viaToken.lowercased())://\(ipAddress ?? "?"):\(address.port ?? 0)" }
}
