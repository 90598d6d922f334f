import NIOSSL
import Yams

extension BridgeConfig.Stream {
    /// `stream.tls` for `wss://` (issue 5): `ca_file` (PEM roots that replace the system trust
    /// store, e.g. a private CA), `certificate` + `private_key` (a client certificate for AI
    /// servers that require mutual TLS). The files are read here, so `check-config` and a
    /// SIGHUP reload report a missing or unreadable file by its key path. TLS 1.2 or later;
    /// without `stream.tls` a `wss://` URL uses the system trust store.
    mutating func parseTLS(_ node: Node?, _ path: String, _ reader: ConfigReader) {
        guard let tls = reader.mapping(node, "\(path).tls", allowed: ["ca_file", "certificate", "private_key"]) else { return }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        var usable = true
        if let file = reader.string(tls["ca_file"], "\(path).tls.ca_file") {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                reader.report("\(path).tls.ca_file", "cannot load PEM certificates from \(file): \(error)")
                usable = false
            }
        }
        let certificate = reader.string(tls["certificate"], "\(path).tls.certificate")
        let key = reader.string(tls["private_key"], "\(path).tls.private_key")
        switch (certificate, key) {
        case (let certificate?, let key?):
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            } catch {
                reader.report("\(path).tls.certificate", "cannot load \(certificate): \(error)")
                usable = false
            }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                reader.report("\(path).tls.private_key", "cannot load \(key): \(error)")
                usable = false
            }
        case (nil, nil): break
        case (nil, _): reader.report("\(path).tls.certificate", "required with private_key (a client certificate needs both)")
        case (_, nil): reader.report("\(path).tls.private_key", "required with certificate (a client certificate needs both)")
        }
        guard usable else { return }
        do {
            tlsContext = try NIOSSLContext(configuration: configuration)
            tlsFiles = (tls["ca_file"] != nil, certificate != nil)
        } catch {
            reader.report("\(path).tls", "\(error)")
        }
    }
}
