public import NIOCore
import NIOHTTP1
import NIOPosix
public import NIOSSL
public import NIOWebSocket

/// Why a stream's WebSocket ended.
public enum StreamCloseReason: Hashable, Sendable, CustomStringConvertible {
    /// The AI server sent a Close frame (RFC 6455 §5.5.1) with this code, if any.
    case remoteClose(code: UInt16?)
    /// The TCP connection dropped or failed without a Close frame.
    case connectionLost
    /// The AI server left two pings unanswered (it is gone though TCP may not know).
    case keepaliveTimeout
    /// The bridge closed the stream.
    case localClose
    /// The AI server broke the WebSocket protocol (RFC 6455 §7.4.1: the bridge closed with
    /// `code`, 1002 or 1009).
    case protocolError(code: UInt16, detail: String)

    public var description: String {
        switch self {
        case .remoteClose(let code): "AI server closed the stream (\(code.map(String.init) ?? "no code"))"
        case .connectionLost: "connection to the AI server lost"
        case .keepaliveTimeout: "AI server stopped answering pings"
        case .localClose: "closed by the bridge"
        case .protocolError(let code, let detail): "AI server broke the WebSocket protocol (\(code): \(detail))"
        }
    }
}

/// Receives what arrives on a stream, on the connection's event loop.
public protocol StreamConnectionDelegate: AnyObject {
    /// An event arrived (spec §4).
    func streamReceived(_ event: InboundEvent)
    /// A frame could not be parsed; it is ignored and the stream continues (spec §2).
    func streamReceivedMalformed(_ error: StreamProtocolError)
    /// The WebSocket is gone; no further calls follow.
    func streamClosed(_ reason: StreamCloseReason)
}

/// Settings for opening streams (shared by all calls of a route).
public struct StreamConnectOptions: Sendable {
    /// Time allowed for TCP connect, TLS and the upgrade together.
    public var timeout: TimeAmount
    /// Extra upgrade request headers (e.g. `Authorization`).
    public var headers: [(name: String, value: String)]
    /// The TLS context for `wss://`; `nil` uses a default client context (system trust store).
    public var tlsContext: NIOSSLContext?
    /// The largest message accepted from the AI server.
    public var maximumMessageSize: Int
    /// How often to ping the AI server; `nil` never.
    public var pingInterval: TimeAmount?
    /// Media frames held while the AI server is not reading; beyond it the oldest are dropped.
    public var mediaBacklogFrames: Int
    /// How the AI server's messages are read (spec §7).
    public var dialect: StreamDialect

    /// Creates options.
    public init(
        timeout: TimeAmount = .seconds(5), headers: [(name: String, value: String)] = [],
        tlsContext: NIOSSLContext? = nil, maximumMessageSize: Int = 16 << 20, pingInterval: TimeAmount? = .seconds(20),
        mediaBacklogFrames: Int = 100, dialect: StreamDialect = .vobiz
    ) {
        self.dialect = dialect
        self.timeout = timeout
        self.headers = headers
        self.tlsContext = tlsContext
        self.maximumMessageSize = maximumMessageSize
        self.pingInterval = pingInterval
        self.mediaBacklogFrames = mediaBacklogFrames
    }
}

/// The error of a failed stream connect; the bridge answers the INVITE 503.
public struct StreamConnectError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure, for metrics and the caller's answer.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// TCP, TLS and the upgrade did not complete within the connect timeout.
        case timeout = "connect_timeout"
        /// The server answered the upgrade with an HTTP status other than 101 (RFC 6455 §4.1).
        case upgradeRefused = "upgrade_refused"
        /// The connection failed (refused, reset, TLS error, bad URL, …).
        case failed = "connect_error"
    }

    /// What went wrong.
    public let reason: String
    /// Its kind.
    public let kind: Kind

    /// Creates an error.
    public init(_ reason: String, kind: Kind = .failed) {
        self.reason = reason
        self.kind = kind
    }

    public var description: String { "stream connect failed: \(reason)" }
}

/// One call's WebSocket to the AI server (RFC 6455, client side).
///
/// Confined to the channel's event loop, like the channel's own state: every method must be
/// called there (checked in debug builds). `@unchecked Sendable` so that the call, which lives
/// on the same loop, can hold it; its state is plain (a media frame used to pay five
/// thread-local event-loop checks through `NIOLoopBound` boxes).
public final class StreamConnection: @unchecked Sendable {
    /// The upgraded channel.
    public let channel: any Channel
    private var closing = false
    private var backlog: MediaBacklog
    /// Frames written since the last flush: a flush with nothing to send is not passed down
    /// the pipeline (the pacer flushes after every tick in case the outbound track wrote).
    private var unflushed = false
    /// The context of NIO's frame encoder: a frame built by `ClientFrame` is written from
    /// there, so it goes straight to TLS or the socket.
    private let encoder: ChannelHandlerContext?
    /// The last message written, whose storage the next message reuses once the socket has
    /// taken its bytes (a `media` event every 20 ms then costs no allocation).
    private var spent = SpentBuffer()

    init(channel: any Channel, mediaBacklogFrames: Int = 100) {
        self.channel = channel
        self.backlog = MediaBacklog(capacity: mediaBacklogFrames)
        self.encoder = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
    }

    /// A buffer for one outgoing JSON message with room for its frame header in front
    /// (`ClientFrame`): `write(text:)`, `writeMedia(text:)` and `send(text:)` then frame it in
    /// place. Any other buffer is sent as a `WebSocketFrame`.
    public func messageBuffer(capacity: Int) -> ByteBuffer {
        if let spent = spent.take(minimumCapacity: ClientFrame.headroom + capacity) {
            return ClientFrame.messageBuffer(in: spent)
        }
        return ClientFrame.messageBuffer(capacity: capacity, allocator: channel.allocator)
    }

    /// Media frames dropped (oldest first) because the AI server was not reading.
    public var mediaFramesDropped: Int { backlog.dropped }

    /// Media frames waiting for the AI server to read.
    public var mediaFramesWaiting: Int { backlog.frames.count }

    /// Writes a `media` event (without flushing) unless the AI server is not keeping up: then
    /// it waits in a bounded backlog, whose oldest frames are dropped when it is full. Control
    /// events (`send`) are never dropped.
    public func writeMedia(text: consuming ByteBuffer) {
        assert(channel.eventLoop.inEventLoop)
        guard !closing else { return }
        if backlog.frames.isEmpty && channel.isWritable {
            write(text: consume text)
        } else {
            backlog.append(text)
        }
    }

    /// Writes backlogged media while the channel accepts it (called when it becomes writable).
    func drainBacklog() {
        guard !closing, !backlog.frames.isEmpty else { return }
        while channel.isWritable, let frame = backlog.frames.popFirst() {
            write(text: frame)
        }
        flush()
    }

    /// A default TLS client context (system trust store), built once.
    private static let defaultTLS: NIOSSLContext? = try? NIOSSLContext(
        configuration: .makeClientConfiguration())

    /// Opens the WebSocket: TCP (TCP_NODELAY), TLS for `wss`, the HTTP/1.1 upgrade.
    /// Must be called on `eventLoop`; the delegate is called there.
    /// - Parameters:
    ///   - url: the route's stream URL.
    ///   - options: timeout, headers, TLS.
    ///   - eventLoop: the call's loop.
    ///   - delegate: receives events and the close.
    public static func connect(
        to url: WebSocketURL, options: StreamConnectOptions, eventLoop: any EventLoop,
        delegate: any StreamConnectionDelegate
    ) -> EventLoopFuture<StreamConnection> {
        eventLoop.preconditionInEventLoop()
        let promise = eventLoop.makePromise(of: StreamConnection.self)
        let delegateBox = NIOLoopBound(delegate, eventLoop: eventLoop)
        let tls = url.secure ? (options.tlsContext ?? defaultTLS) : nil
        if url.secure && tls == nil {
            promise.fail(StreamConnectError("no TLS context"))
            return promise.futureResult
        }
        let maximumMessageSize = options.maximumMessageSize
        let timeout = eventLoop.scheduleTask(in: options.timeout) {
            promise.fail(StreamConnectError("timed out after \(options.timeout)", kind: .timeout))
        }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            // Real-time audio is useless late: little is buffered in NIO; the backlog of media
            // frames (with oldest-first dropping) takes over when the AI server stops reading.
            .channelOption(.writeBufferWaterMark, value: .init(low: 32 << 10, high: 64 << 10))
            // A fixed kernel send buffer (no autotuning into megabytes = tens of seconds of
            // stale audio); 128 KiB still covers ~1.5 s of 24 kHz L16 in flight.
            .channelOption(.socketOption(.so_sndbuf), value: 128 << 10)
            .connectTimeout(options.timeout)
            .channelInitializer { channel in
                let upgrader = StreamUpgrader { channel in
                    let sync = channel.pipeline.syncOperations
                    // The handshake handler speaks HTTP; from here on the bytes are frames.
                    sync.removeHandler(try sync.handler(type: UpgradeRequestHandler.self), promise: nil)
                    let handler = StreamFrameHandler(
                        delegate: delegateBox.value, dialect: options.dialect, maximumMessageSize: maximumMessageSize)
                    try sync.addHandler(handler)
                    if let interval = options.pingInterval {
                        // Behind the frame handler: pongs reach it as inbound events, its
                        // timeout goes back as an outbound one.
                        try sync.addHandler(StreamKeepaliveHandler(interval: interval))
                    }
                    let connection = StreamConnection(channel: channel, mediaBacklogFrames: options.mediaBacklogFrames)
                    // Strong, like the handler's delegate: the handler drops it when it leaves the
                    // pipeline (a weak capture gave each connection a side table).
                    handler.onWritable = { connection.drainBacklog() }
                    promise.succeed(connection)
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls {
                        try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: url.host.isIPAddress ? nil : url.host))
                    }
                    try sync.addHTTPClientHandlers(
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try sync.addHandler(UpgradeRequestHandler(url: url, headers: options.headers, promise: promise))
                }
            }
        let connect: EventLoopFuture<any Channel>
        if let address = try? SocketAddress(ipAddress: url.host, port: url.port) {
            // An address needs no resolver: NIO's runs `getaddrinfo` on a Dispatch queue and
            // races the results (RFC 8305), a thread hop out and back for every call's stream.
            connect = bootstrap.connect(to: address)
        } else {
            connect = bootstrap.connect(host: url.host, port: url.port)
        }
        connect.whenFailure { error in promise.fail(StreamConnectError("\(error)")) }
        promise.futureResult.whenComplete { result in
            timeout.cancel()
            if case .failure = result { connect.whenSuccess { $0.close(promise: nil) } }
        }
        return promise.futureResult
    }

    /// Sends one JSON message as a masked text frame (RFC 6455 §5.3, §5.6) and flushes.
    public func send(text: consuming ByteBuffer) {
        write(text: consume text)
        flush()
    }

    /// Writes a frame without flushing (the caller flushes once per batch).
    public func write(text: consuming ByteBuffer) {
        assert(channel.eventLoop.inEventLoop)
        guard !closing else { return }
        unflushed = true
        if let encoder, ClientFrame.fits(text) {
            // Framed in place: `text` must be the only reference, or masking copies it.
            ClientFrame.frame(&text, opcode: UInt8(webSocketOpcode: .text), maskingKey: EntropyPool.current.maskingKeyBits())
            spent.keep(text)
            encoder.write(NIOAny(text), promise: nil)
        } else {
            channel.write(WebSocketFrame(fin: true, opcode: .text, maskKey: EntropyPool.current.maskingKey(), data: text), promise: nil)
        }
    }

    /// Flushes written frames.
    public func flush() {
        guard unflushed else { return }
        unflushed = false
        channel.flush()
    }

    /// Closes with a Close frame (RFC 6455 §5.5.1), 1000 for normal ends (spec §2).
    public func close(code: WebSocketErrorCode = .normalClosure) {
        assert(channel.eventLoop.inEventLoop)
        guard !closing else { return }
        closing = true
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: EntropyPool.current.maskingKey(), data: data)
        let channel = channel
        channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
        // Do not wait forever for the server's Close reply.
        channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }
}

extension String {
    /// Whether the string is an IPv4 or IPv6 literal (no SNI for those, RFC 6066 §3).
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}

/// The bounded queue of media frames held while the AI server does not read (issue 5:
/// backpressure never grows memory without bound).
struct MediaBacklog {
    let capacity: Int
    var frames = CircularBuffer<ByteBuffer>()
    var dropped = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func append(_ frame: ByteBuffer) {
        if frames.count >= capacity {
            frames.removeFirst()
            dropped += 1
        }
        frames.append(frame)
    }
}
