import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SIPIngress
import Testing
import TestSupport

@testable import BridgeApp

/// RFC 3261 §18.2.2: a carrier that closed its TCP or TLS connection still gets what the bridge
/// has to send: the bridge opens a new connection to the address the call came from, at the
/// port of the carrier's `Via` sent-by. Here the bridge's BYE when the AI server hangs up,
/// answered by the carrier on the new connection.
@Suite(.serialized) struct ReopenedConnectionTests {
    private static func request(
        _ method: String, transport: String, callID: String, cseq: Int, listenPort: Int, toTag: String?, extra: [String] = [],
        body: String = ""
    ) -> String {
        ([
            "\(method) sip:agent@127.0.0.1;transport=\(transport.lowercased()) SIP/2.0",
            "Via: SIP/2.0/\(transport) 127.0.0.1:\(listenPort);branch=z9hG4bK\(method.lowercased())\(cseq)",
            "Max-Forwards: 70", "From: <sip:carrier@127.0.0.1>;tag=reopen1", "To: <sip:agent@127.0.0.1>" + (toTag.map { ";tag=\($0)" } ?? ""),
            "Call-ID: \(callID)", "CSeq: \(cseq) \(method)",
            "Contact: <sip:carrier@127.0.0.1:\(listenPort);transport=\(transport.lowercased())>",
        ] + extra + ["Content-Length: \(body.utf8.count)", "", body]).joined(separator: "\r\n")
    }

    private static func sdp(rtpPort: Int) -> String {
        [
            "v=0", "o=carrier 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
            "m=audio \(rtpPort) RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "a=sendrecv",
        ].joined(separator: "\r\n") + "\r\n"
    }

    @Test(arguments: [false, true])
    func byeReachesACarrierThatClosedItsConnection(tls: Bool) async throws {
        let certificates = try await TestCertificates.make()
        // Over TLS the carrier's server certificate is checked against `client_ca` (the test
        // CA), which also makes the bridge require the carrier's client certificate.
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: tls ? 81 : 80,
            listen: tls ? "[\"udp://127.0.0.1:0\", \"tls://127.0.0.1:0\"]" : "[\"udp://127.0.0.1:0\", \"tcp://127.0.0.1:0\"]",
            sipExtra: tls
                ? "tls: { certificate: \"\(certificates.serverCertificate)\", private_key: \"\(certificates.serverKey)\", client_ca: \"\(certificates.caCertificate)\" }"
                : "")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let rtp = try await UDPEndpoint.bind(group: group)
        var serverTLS: TLSConfiguration?
        var clientTLS: TLSConfiguration?
        if tls {
            serverTLS = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)))
            var client = TLSConfiguration.makeClientConfiguration()
            client.trustRoots = .file(certificates.caCertificate)
            client.certificateVerification = .noHostnameVerification
            client.certificateChain = try NIOSSLCertificate.fromPEMFile(certificates.clientCertificate).map { .certificate($0) }
            client.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificates.clientKey, format: .pem))
            clientTLS = client
        }
        let transport = tls ? "TLS" : "TCP"
        let listener = try await StreamSIPServer.start(tls: serverTLS, group: group)
        let bridgePort = try #require(tls ? harness.bridge.sipTLSPort : harness.bridge.sipTCPPort)
        let carrier = try await StreamSIPClient.connect(port: bridgePort, tls: clientTLS, group: group)
        let callID = "reopen-\(UUID().uuidString)"
        try await carrier.send(
            Self.request(
                "INVITE", transport: transport, callID: callID, cseq: 1, listenPort: listener.port, toTag: nil,
                extra: ["Content-Type: application/sdp"], body: Self.sdp(rtpPort: rtp.port)))
        let ok = try await carrier.receive(what: "200 to the INVITE") { $0.status == 200 && $0.header("CSeq") == "1 INVITE" }
        let tag = try #require(ok.header("To")?.components(separatedBy: "tag=").last)
        try await carrier.send(
            Self.request("ACK", transport: transport, callID: callID, cseq: 1, listenPort: listener.port, toTag: tag))
        let agent = try await harness.agent.connection()
        _ = try await agent.waitFor("start")

        // The carrier closes its connection; once the bridge has seen it go, the AI hangs up.
        await carrier.close()
        _ = try await poll(timeout: .seconds(5), what: "the bridge to see the connection close") {
            try await harness.bridge.userAgent.openConnections() == 0 ? true : nil
        }
        #expect(listener.connectionsAccepted == 0)
        agent.close()
        let bye = try await listener.receive(what: "the BYE on a new connection") { $0.startLine.hasPrefix("BYE ") }
        #expect(bye.header("Call-ID") == callID)
        #expect(bye.header("Via")?.hasPrefix("SIP/2.0/\(transport) ") == true)
        #expect(listener.connectionsAccepted == 1)
        #expect(try await harness.bridge.userAgent.openConnections() == 1)
        let answer = ["SIP/2.0 200 OK"]
            + ["Via", "From", "To", "Call-ID", "CSeq"].compactMap { name in bye.header(name).map { "\(name): \($0)" } }
            + ["Content-Length: 0", "", ""]
        try await listener.reply(answer.joined(separator: "\r\n")) { $0.startLine.hasPrefix("BYE ") }
        try await harness.waitIdle()
        #expect(listener.messages.filter { $0.startLine.hasPrefix("BYE ") }.count == 1, "sent once (reliable transport)")
        await listener.close()
        await rtp.close()
        await harness.stop()
        try await group.shutdownGracefully()
    }
}
