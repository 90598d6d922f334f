import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Sends the opening handshake request (RFC 6455 §4.1) once connected; the upgrade handler
/// adds the `Upgrade`, `Connection` and `Sec-WebSocket-*` headers. A response that is not a
/// 101 fails the connect.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let url: WebSocketURL
    private let headers: [(name: String, value: String)]
    private let promise: EventLoopPromise<StreamConnection>

    init(url: WebSocketURL, headers: [(name: String, value: String)], promise: EventLoopPromise<StreamConnection>) {
        self.url = url
        self.headers = headers
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        var head = HTTPHeaders()
        head.add(name: "Host", value: url.hostHeader)
        head.add(name: "User-Agent", value: "sipbridge")
        for header in headers { head.add(name: header.name, value: header.value) }
        let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.resource, headers: head)
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let response) = unwrapInboundIn(data) {
            promise.fail(StreamConnectError("upgrade refused: HTTP \(response.status.code)", kind: .upgradeRefused))
        }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(StreamConnectError("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(StreamConnectError("connection closed during the upgrade"))
        context.fireChannelInactive()
    }
}

/// Reads the server's frames from the bytes (`ServerFrameReader`), turns messages into stream
/// events and answers the control frames (RFC 6455 §5.5).
final class StreamFrameHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Held strongly until the channel goes inactive or the handler leaves the pipeline (the
    /// call ends by closing its stream, so the cycle call → connection → channel → handler →
    /// call always breaks). A weak reference would give every call a side table, and every
    /// retain and release of the call (several per frame) the runtime's slow path.
    private var delegate: (any StreamConnectionDelegate)?
    private let dialect: StreamDialect
    private var closeCode: UInt16??
    private var sentClose = false
    private var keepaliveTimedOut = false
    /// The server broke the protocol (§7.4.1: the bridge closed with this code).
    private var failure: ServerFrameReader.Failure?
    private var reader: ServerFrameReader
    /// What the next frame's parse reuses from the last (`InboundEventParser.Recycling`).
    private var recycling = InboundEventParser.Recycling()
    /// Called when the channel becomes writable again (the AI server caught up).
    var onWritable: (() -> Void)?

    init(delegate: any StreamConnectionDelegate, dialect: StreamDialect, maximumMessageSize: Int) {
        self.delegate = delegate
        self.dialect = dialect
        self.reader = ServerFrameReader(maximumMessageSize: maximumMessageSize)
    }

    /// The keepalive handler (behind this one) gave up on the server. The event is meant for
    /// this handler alone and ends here: the socket at the head of the pipeline would refuse
    /// it as an unsupported operation.
    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is StreamKeepaliveTimeout else { return context.triggerUserOutboundEvent(event, promise: promise) }
        keepaliveTimedOut = true
        promise?.succeed(())
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { onWritable?() }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After a Close, sent or received, nothing more is read (§5.5.1).
        guard closeCode == nil, failure == nil else { return }
        reader.append(unwrapInboundIn(data))
        do {
            while closeCode == nil, let message = try reader.next() {
                received(message, context: context)
            }
        } catch {
            fail(error, context: context)
        }
    }

    private func received(_ message: ServerFrameReader.Message, context: ChannelHandlerContext) {
        switch message {
        case .data(let payload):
            do {
                let event = try InboundEventParser.parse(
                    payload, dialect: dialect, allocator: context.channel.allocator, recycling: &recycling)
                delegate?.streamReceived(event)
            } catch {
                delegate?.streamReceivedMalformed(error)
            }
        case .ping(let payload):
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: payload)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            context.fireUserInboundEventTriggered(StreamPongReceived())
        case .close(var payload):
            closeCode = .some(payload.readInteger(as: UInt16.self))
            if !sentClose {
                sentClose = true
                var reply = context.channel.allocator.buffer(capacity: 2)
                if let code = closeCode ?? nil { reply.writeInteger(code) }
                let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: reply)
                context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            } else {
                context.close(promise: nil)
            }
        }
    }

    /// The server broke the protocol: Close with the reason's code (§7.1.7), then the
    /// connection (the stream is reported lost, not closed by the bridge).
    private func fail(_ error: ServerFrameReader.Failure, context: ChannelHandlerContext) {
        failure = error
        guard !sentClose else { return context.close(promise: nil) }
        sentClose = true
        var body = context.channel.allocator.buffer(capacity: 2)
        body.writeInteger(error.code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: body)
        context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if unwrapOutboundIn(data).opcode == .connectionClose { sentClose = true }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason: StreamCloseReason =
            if let failure { .protocolError(code: failure.code, detail: failure.description) } else if let code = closeCode {
                .remoteClose(code: code)
            } else if keepaliveTimedOut {
                .keepaliveTimeout
            } else if sentClose { .localClose } else { .connectionLost }
        delegate?.streamClosed(reason)
        delegate = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        delegate = nil
        onWritable = nil
    }
}
