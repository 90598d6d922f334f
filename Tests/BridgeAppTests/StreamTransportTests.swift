import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import TestSupport

@testable import BridgeApp

/// SIP over TLS (issue 3; TCP is covered by the sipp call in `SippCallTests`): a whole call on
/// one connection, and mutual TLS refusing a carrier without a certificate from the CA.
@Suite(.serialized) struct StreamTransportTests {
    private static func clientTLS(_ certificates: TestCertificates, withCertificate: Bool) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(certificates.caCertificate)
        configuration.certificateVerification = .noHostnameVerification
        if withCertificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificates.clientCertificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificates.clientKey, format: .pem))
        }
        return configuration
    }

    private static func harness(_ certificates: TestCertificates, clientCA: Bool, rtpRangeIndex: Int) async throws -> BridgeHarness {
        let ca = clientCA ? ", client_ca: \"\(certificates.caCertificate)\"" : ""
        return try await BridgeHarness.start(
            rtpRangeIndex: rtpRangeIndex, listen: "[\"udp://127.0.0.1:0\", \"tls://127.0.0.1:0\"]",
            sipExtra: "tls: { certificate: \"\(certificates.serverCertificate)\", private_key: \"\(certificates.serverKey)\"\(ca) }")
    }

    @Test func wholeCallOverOneTLSConnection() async throws {
        let certificates = try await TestCertificates.make()
        let harness = try await Self.harness(certificates, clientCA: false, rtpRangeIndex: 47)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let rtp = try await UDPEndpoint.bind(group: group)
        let port = try #require(harness.bridge.sipTLSPort)
        let client = try await StreamSIPClient.connect(port: port, tls: Self.clientTLS(certificates, withCertificate: false), group: group)
        let callID = "tls-\(UUID().uuidString)"
        try await client.send(StreamSIPRequest.invite(transport: "tls", callID: callID, localPort: client.localPort, rtpPort: rtp.port))
        let ok = try await client.receive(what: "200 to the INVITE") { $0.status == 200 && $0.header("CSeq") == "1 INVITE" }
        #expect(ok.header("Contact")?.contains(";transport=tls") == true)
        #expect(ok.header("Via")?.hasPrefix("SIP/2.0/TLS 127.0.0.1:\(client.localPort)") == true)
        let tag = try #require(ok.header("To")?.components(separatedBy: "tag=").last)
        try await client.send(StreamSIPRequest.request("ACK", transport: "tls", callID: callID, cseq: 1, localPort: client.localPort, toTag: tag))
        let agent = try await harness.agent.connection()
        _ = try await agent.waitFor("start")
        _ = try await poll(timeout: .seconds(5), what: "RTP from the bridge") { rtp.datagrams.count >= 3 ? true : nil }
        try await client.send(StreamSIPRequest.request("BYE", transport: "tls", callID: callID, cseq: 2, localPort: client.localPort, toTag: tag))
        _ = try await client.receive(what: "200 to the BYE") { $0.status == 200 && $0.header("CSeq") == "2 BYE" }
        try await agent.waitClosed()
        try await harness.waitIdle()
        await client.close()
        await rtp.close()
        await harness.stop()
        try await group.shutdownGracefully()
    }

    @Test func mutualTLSRefusesACarrierWithoutACertificate() async throws {
        let certificates = try await TestCertificates.make()
        let harness = try await Self.harness(certificates, clientCA: true, rtpRangeIndex: 48)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let rtp = try await UDPEndpoint.bind(group: group)
        let port = try #require(harness.bridge.sipTLSPort)

        let anonymous = try await StreamSIPClient.connect(port: port, tls: Self.clientTLS(certificates, withCertificate: false), group: group)
        try? await anonymous.send(StreamSIPRequest.invite(transport: "tls", callID: "anon-\(UUID().uuidString)", localPort: anonymous.localPort, rtpPort: rtp.port))
        _ = try await poll(timeout: .seconds(5), what: "the refused connection to close") { anonymous.isClosed ? true : nil }
        #expect(anonymous.messages.isEmpty)
        #expect(harness.bridge.registry.totals.offered == 0)

        let carrier = try await StreamSIPClient.connect(port: port, tls: Self.clientTLS(certificates, withCertificate: true), group: group)
        let callID = "mtls-\(UUID().uuidString)"
        try await carrier.send(StreamSIPRequest.invite(transport: "tls", callID: callID, localPort: carrier.localPort, rtpPort: rtp.port))
        let ok = try await carrier.receive(what: "200 to the INVITE") { $0.status == 200 }
        let tag = try #require(ok.header("To")?.components(separatedBy: "tag=").last)
        try await carrier.send(StreamSIPRequest.request("ACK", transport: "tls", callID: callID, cseq: 1, localPort: carrier.localPort, toTag: tag))
        try await carrier.send(StreamSIPRequest.request("BYE", transport: "tls", callID: callID, cseq: 2, localPort: carrier.localPort, toTag: tag))
        _ = try await carrier.receive(what: "200 to the BYE") { $0.status == 200 && $0.header("CSeq") == "2 BYE" }
        try await harness.waitIdle()
        await anonymous.close()
        await carrier.close()
        await rtp.close()
        await harness.stop()
        try await group.shutdownGracefully()
    }
}
