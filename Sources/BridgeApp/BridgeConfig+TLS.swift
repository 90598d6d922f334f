import NIOSSL
import SIPIngress

extension BridgeConfig.SIP {
    /// The TCP and TLS listeners, with the TLS context built from `sip.tls` (RFC 3261 §26.2.1).
    /// - Throws: `BridgeStartError` naming the key whose file cannot be used.
    func makeStreamListeners() throws -> [SIPStreamListener] {
        let secure = streamListeners.contains(where: \.secure)
        let context = try secure ? makeTLSContext(client: false) : nil
        let client = try secure ? makeTLSContext(client: true) : nil
        return streamListeners.map {
            SIPStreamListener(host: $0.host, port: $0.port, tls: $0.secure ? context : nil, clientTLS: $0.secure ? client : nil)
        }
    }

    /// The server context, or the client context for connections the bridge reopens to a
    /// carrier that closed its own (RFC 3261 §18.2.2): the same certificate (offered when the
    /// carrier asks for one), the carrier's chain checked against `client_ca` when set (the
    /// system's roots otherwise), its name not checked (the bridge knows it by address).
    private func makeTLSContext(client: Bool) throws -> NIOSSLContext {
        guard let tls else { throw BridgeStartError("sip.tls: required by the tls:// listener") }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tls.certificate)
        } catch {
            throw BridgeStartError("sip.tls.certificate: cannot load \(tls.certificate): \(error)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)
        } catch {
            throw BridgeStartError("sip.tls.private_key: cannot load \(tls.privateKey): \(error)")
        }
        var configuration: TLSConfiguration
        if client {
            configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(key)
            configuration.certificateVerification = .noHostnameVerification
            if let ca = tls.clientCA { configuration.trustRoots = .file(ca) }
        } else {
            configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        }
        configuration.minimumTLSVersion = .tlsv12
        if !client, let ca = tls.clientCA {
            // Mutual TLS: the carrier must present a certificate issued by this CA.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .file(ca)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw BridgeStartError("sip.tls: \(error)")
        }
    }
}
