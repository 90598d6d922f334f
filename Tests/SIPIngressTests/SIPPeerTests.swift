import NIOCore
import Testing

@testable import SIPIngress

/// Tier 1: where a closed stream connection is reopened (RFC 3261 §18.2.2): the request's
/// source IP with its top `Via` sent-by port, or the transport's default port (§19.1.2).
@Suite struct SIPPeerTests {
    private static func options(via: String) throws -> SIPMessage {
        try TestMessages.parse(
            TestMessages.text([
                "OPTIONS sip:agent@127.0.0.1 SIP/2.0", "Via: \(via);branch=z9hG4bKpeer1", "Max-Forwards: 70",
                "From: <sip:carrier@example.com>;tag=1", "To: <sip:agent@127.0.0.1>", "Call-ID: peer-1", "CSeq: 1 OPTIONS",
            ]))
    }

    private static func peer(_ transport: SIPTransport) throws -> SIPPeer {
        SIPPeer(address: try SocketAddress(ipAddress: "127.0.0.7", port: 40123), transport: transport)
    }

    @Test func theViaPortAtTheSourceAddress() throws {
        // The Via host is not trusted (it could name anyone): the connection's source IP is used.
        let learned = try Self.peer(.tcp(connection: 3)).learningReopenAddress(from: Self.options(via: "SIP/2.0/TCP 192.0.2.9:5070"))
        #expect(learned.reopenAddress == (try SocketAddress(ipAddress: "127.0.0.7", port: 5070)))
        #expect(learned.transport == .tcp(connection: 3))
        #expect(learned.address.port == 40123)
    }

    @Test(arguments: [(SIPTransport.tcp(connection: 1), 5060), (.tls(connection: 1), 5061)])
    func theTransportsDefaultPortWhenTheViaNamesNone(transport: SIPTransport, port: Int) throws {
        let learned = try Self.peer(transport).learningReopenAddress(from: Self.options(via: "SIP/2.0/\(transport.viaToken) carrier.example.com"))
        #expect(learned.reopenAddress?.port == port)
        #expect(learned.reopenAddress?.ipAddress == "127.0.0.7")
    }

    @Test func datagramPeersAreNotReopened() throws {
        let learned = try Self.peer(.udp).learningReopenAddress(from: Self.options(via: "SIP/2.0/UDP 127.0.0.7:5070"))
        #expect(learned.reopenAddress == nil)
    }

    @Test func theFirstRequestOnAConnectionDecides() throws {
        let first = try Self.peer(.tcp(connection: 2)).learningReopenAddress(from: Self.options(via: "SIP/2.0/TCP 127.0.0.7:5070"))
        let again = try first.learningReopenAddress(from: Self.options(via: "SIP/2.0/TCP 127.0.0.7:6000"))
        #expect(again.reopenAddress?.port == 5070)
    }

    @Test(arguments: [
        "0.0.0.0", "255.255.255.255", "127.0.0.1", "10.0.0.9", "192.168.100.10", "1.22.103.4", "203.0.113.250",
        "::1", "2001:db8::10", "::ffff:192.0.2.1",
    ])
    func ipTextIsWhatNIOWrites(ip: String) throws {
        let address = try SocketAddress(ipAddress: ip, port: 5060)
        #expect(SIPPeer.ipText(address) == address.ipAddress)
        #expect(SIPPeer(address: address).ipAddress == address.ipAddress)
    }
}
