import Logging
import NIOCore
import NIOPosix
import Testing

@testable import SIPIngress

/// Tier 2: reopening a closed connection (RFC 3261 §18.2.2) only ever dials a trusted source:
/// a stranger that opens a connection, sends and closes must not make the bridge dial back.
@Suite struct ReopenAdmissionTests {
    private static func peer(_ ip: String) throws -> SIPPeer {
        let request = try TestMessages.parse(
            TestMessages.text([
                "OPTIONS sip:agent@127.0.0.1 SIP/2.0", "Via: SIP/2.0/TCP \(ip):5070;branch=z9hG4bKreopen", "Max-Forwards: 70",
                "From: <sip:carrier@example.com>;tag=1", "To: <sip:agent@127.0.0.1>", "Call-ID: reopen-1", "CSeq: 1 OPTIONS",
            ]))
        return SIPPeer(address: try SocketAddress(ipAddress: ip, port: 40000), transport: .tcp(connection: 7))
            .learningReopenAddress(from: request)
    }

    @Test(arguments: [("127.0.0.1", true), ("127.0.0.2", false)])
    func onlyTrustedSourcesAreDialledBack(ip: String, dialled: Bool) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let peer = try Self.peer(ip)
        let queued = try await loop.submit { () -> Bool in
            let core = UserAgentCore(
                eventLoop: loop, local: LocalEndpoint(host: "127.0.0.1", port: 5060), timers: SIPTimerValues(),
                admission: AdmissionPolicy(trustedSources: [AddressBlock("127.0.0.1/32")!]),
                delegate: ParserMutationTests.RejectingDelegate(), logger: Logger(label: "reopen", factory: { _ in SwiftLogNoOpLogHandler() }))
            core.streamConnectors["TCP"] = SIPStreamConnector(timeout: .milliseconds(200))
            core.reopen(7, for: peer, sending: ByteBuffer(string: "OPTIONS"))
            return core.reopening[7] != nil
        }.get()
        #expect(queued == dialled)
        try await group.shutdownGracefully()
    }
}
