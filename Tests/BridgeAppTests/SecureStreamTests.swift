import Foundation
import NIOSSL
import Testing
import TestSupport

@testable import BridgeApp

/// `wss://` to the AI server (issue 5): a private CA via `stream.tls.ca_file`, mutual TLS with
/// `stream.tls.certificate`/`private_key`, and the system trust store refusing an unknown CA.
@Suite(.serialized)
struct SecureStreamTests {
    private static func serverTLS(_ certificates: TestCertificates, requireClientCertificate: Bool) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.serverKey, format: .pem)))
        if requireClientCertificate {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificates.caCertificate))
        }
        return configuration
    }

    /// A route to `agent` with `tls` settings under `stream`.
    private static func route(_ user: String, _ agent: TestAgent, _ tls: String) -> String {
        """
              - name: \(user)
                match: { to_user: "^\(user)$" }
                stream: { url: "\(agent.url)", connect_timeout_ms: 3000\(tls.isEmpty ? "" : ", tls: \(tls)") }
            """
    }

    @Test func aPrivateCAAndAClientCertificate() async throws {
        let certificates = try await TestCertificates.make()
        let open = try await TestAgent.start(tls: Self.serverTLS(certificates, requireClientCertificate: false))
        let mutual = try await TestAgent.start(tls: Self.serverTLS(certificates, requireClientCertificate: true))
        #expect(open.url.hasPrefix("wss://"))
        let ca = "ca_file: \"\(certificates.caCertificate)\""
        let client = "certificate: \"\(certificates.clientCertificate)\", private_key: \"\(certificates.clientKey)\""
        let routes = [
            Self.route("private", open, "{ \(ca) }"),
            Self.route("trusting", open, ""),  // the system trust store does not know the test CA
            Self.route("mutual", mutual, "{ \(ca), \(client) }"),
            Self.route("anonymous", mutual, "{ \(ca) }"),
        ].joined(separator: "\n")
        let harness = try await BridgeHarness.start(rtpRangeIndex: 66, extraRoute: routes)

        let first = try await harness.caller()
        #expect(try await first.invite(user: "private") == 200)
        let start = try await open.connection().waitFor("start")[0]
        #expect((start.json["start"] as? [String: Any])?["callId"] is String)
        #expect(try await first.bye(user: "private") == 200)

        let second = try await harness.caller()
        #expect(try await second.invite(user: "trusting") == 503, "an unknown CA is refused")

        let third = try await harness.caller()
        #expect(try await third.invite(user: "mutual") == 200)
        _ = try await mutual.connection().waitFor("start")
        #expect(try await third.bye(user: "mutual") == 200)

        let fourth = try await harness.caller()
        #expect(try await fourth.invite(user: "anonymous") == 503, "no client certificate, no stream")
        #expect(mutual.allConnections.count == 1)
        try await harness.waitIdle()
        for caller in [first, second, third, fourth] { await caller.close() }
        await harness.stop()
        await open.stop()
        await mutual.stop()
    }

    @Test func unreadableTLSFilesAreConfigErrorsByKeyPath() throws {
        let yaml = """
            routes:
              - name: r
                stream: { url: "wss://a/ws", tls: { ca_file: /nonexistent/ca.pem, certificate: /nonexistent/c.pem } }
            """
        let error = try #require(throws: ConfigError.self) { try BridgeConfig.parse(yaml: yaml, environment: [:]) }
        #expect(error.issues.map(\.path).sorted() == ["routes[0].stream.tls.ca_file", "routes[0].stream.tls.private_key"])
    }
}
