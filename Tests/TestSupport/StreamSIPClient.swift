public import Foundation
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix
public import NIOSSL

/// A SIP client over one TCP or TLS connection to 127.0.0.1, for transport tests: it sends
/// text and splits what comes back into messages by `Content-Length` (RFC 3261 §18.3).
public final class StreamSIPClient: Sendable {
    private let channel: any Channel
    private let inbox: NIOLockedValueBox<(bytes: [UInt8], messages: [SIPText])>

    /// The local port of the connection (what Via names).
    public let localPort: Int

    private init(channel: any Channel, inbox: NIOLockedValueBox<(bytes: [UInt8], messages: [SIPText])>) {
        self.channel = channel
        self.inbox = inbox
        localPort = channel.localAddress?.port ?? 0
    }

    /// Connects to `port`, over TLS when `tls` is given (the server name is not checked;
    /// the chain must lead to the configuration's trust roots).
    public static func connect(
        port: Int, tls: TLSConfiguration? = nil, group: any EventLoopGroup
    ) async throws -> StreamSIPClient {
        let inbox = NIOLockedValueBox<(bytes: [UInt8], messages: [SIPText])>(([], []))
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(Collector(inbox: inbox))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return StreamSIPClient(channel: channel, inbox: inbox)
    }

    /// Sends raw text.
    public func send(_ text: String) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(string: text))
    }

    /// Every complete message received so far.
    public var messages: [SIPText] { inbox.withLockedValue { $0.messages } }

    /// Whether the server closed the connection (or it never came up).
    public var isClosed: Bool { !channel.isActive }

    /// Waits for a message matching `predicate`.
    public func receive(
        within timeout: Duration = .seconds(5), what: String, where predicate: @escaping @Sendable (SIPText) -> Bool
    ) async throws -> SIPText {
        try await poll(timeout: timeout, what: what) { self.messages.first(where: predicate) }
    }

    /// Closes the connection.
    public func close() async {
        try? await channel.close()
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let inbox: NIOLockedValueBox<(bytes: [UInt8], messages: [SIPText])>

        init(inbox: NIOLockedValueBox<(bytes: [UInt8], messages: [SIPText])>) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            inbox.withLockedValue { state in
                state.bytes += buffer.readableBytesView
                while let message = SIPStreamSplitter.split(&state.bytes) { state.messages.append(message) }
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// Splits a SIP byte stream into messages by `Content-Length` (RFC 3261 §18.3).
enum SIPStreamSplitter {
    /// Takes one whole message off the front of `bytes`, skipping keepalive CRLFs.
    static func split(_ bytes: inout [UInt8]) -> SIPText? {
        while bytes.first == 0x0D || bytes.first == 0x0A { bytes.removeFirst() }
        let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        guard let range = bytes.firstRange(of: separator) else { return nil }
        let head = String(decoding: bytes[..<range.lowerBound], as: UTF8.self)
        let length = head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        guard bytes.count >= range.upperBound + length else { return nil }
        let message = SIPText(String(decoding: bytes[..<(range.upperBound + length)], as: UTF8.self))
        bytes.removeFirst(range.upperBound + length)
        return message
    }
}

/// Test certificates made with the `openssl` command: a CA, a server certificate for
/// 127.0.0.1 and a client certificate, all EC P-256, valid for a day.
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caCertificate: String { directory.appendingPathComponent("ca.pem").path }
    public var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    public var serverKey: String { directory.appendingPathComponent("server.key").path }
    public var clientCertificate: String { directory.appendingPathComponent("client.pem").path }
    public var clientKey: String { directory.appendingPathComponent("client.key").path }

    /// Generates the files in a fresh temporary directory.
    public static func make() async throws -> TestCertificates {
        guard let openssl = ExternalProcess.which("openssl") else { throw TestFailure("openssl is required") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sipbridge-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n".write(
            to: directory.appendingPathComponent("ext.cnf"), atomically: true, encoding: .utf8)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + curve + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=sipbridge test CA"],
            ["req"] + curve + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
             "-days", "1", "-extfile", "ext.cnf"],
            ["req"] + curve + ["-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=carrier"],
            ["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem",
             "-days", "1", "-extfile", "ext.cnf"],
        ]
        for arguments in steps {
            let process = try ExternalProcess(openssl, arguments, directory: directory)
            let status = try await process.wait(timeout: .seconds(20))
            guard status == 0 else { throw TestFailure("openssl \(arguments[0]) failed: \(process.log)") }
        }
        return TestCertificates(directory: directory)
    }
}
