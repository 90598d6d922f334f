public import NIOCore
import NIOPosix

/// Receives the datagrams of one call's RTP socket, on that call's event loop.
public protocol RTPReceiver: AnyObject {
    /// An RTP datagram arrived.
    func receivedRTP(_ datagram: ByteBuffer, from source: SocketAddress)
    /// An RTCP datagram arrived on the odd port.
    func receivedRTCP(_ datagram: ByteBuffer, from source: SocketAddress)
}

extension RTPReceiver {
    /// By default RTCP is read and ignored.
    public func receivedRTCP(_ datagram: ByteBuffer, from source: SocketAddress) {}
}

/// One call's RTP/RTCP port pair (RFC 3550 §11), bound on the call's event loop.
public final class RTPTransport {
    /// The RTP channel.
    public let channel: any Channel
    private let rtcpChannel: any Channel
    /// The bound RTP port.
    public let port: Int
    private let pool: RTPPortPool
    private var released = false

    private init(channel: any Channel, rtcpChannel: any Channel, port: Int, pool: RTPPortPool) {
        self.channel = channel
        self.rtcpChannel = rtcpChannel
        self.port = port
        self.pool = pool
    }

    /// Binds a free port pair from `pool` on `eventLoop`, skipping ports another process holds.
    /// After 16 pairs that fail to bind it gives up with `noPortAvailable` (something else is
    /// squatting on the range). Must be called on `eventLoop`; the receiver is called there.
    /// - Parameters:
    ///   - host: the address to bind (`rtp.address`).
    ///   - pool: the port range.
    ///   - eventLoop: the call's loop.
    ///   - receiver: gets each RTP datagram.
    public static func bind(
        host: String, pool: RTPPortPool, eventLoop: any EventLoop, receiver: any RTPReceiver
    ) -> EventLoopFuture<RTPTransport> {
        eventLoop.preconditionInEventLoop()
        let promise = eventLoop.makePromise(of: RTPTransport.self)
        let receiverBox = NIOLoopBound(receiver, eventLoop: eventLoop)
        var failed: Set<Int> = []

        func attempt(_ remaining: Int) {
            guard remaining > 0, let port = pool.acquire(skipping: failed) else {
                return promise.fail(RTPMediaError.noPortAvailable)
            }
            // One datagram per wake-up (issue 7): a call's socket carries one packet per 20 ms,
            // and reading on until EAGAIN cost a second recvmsg per packet. NIO's epoll is
            // level-triggered, so a second queued packet wakes the loop again.
            let rtp = DatagramBootstrap(group: eventLoop)
                .channelOption(.maxMessagesPerRead, value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RTPInboundHandler(receiver: receiverBox.value))
                    }
                }
                .bind(host: host, port: port)
            let rtcp = rtp.flatMap { _ in
                DatagramBootstrap(group: eventLoop)
                    .channelOption(.maxMessagesPerRead, value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                RTPInboundHandler(receiver: receiverBox.value, rtcp: true))
                        }
                    }
                    .bind(host: host, port: port + 1)
            }
            rtp.and(rtcp).assumeIsolated().whenComplete { result in
                switch result {
                case .success(let (rtpChannel, rtcpChannel)):
                    promise.assumeIsolated().succeed(
                        RTPTransport(channel: rtpChannel, rtcpChannel: rtcpChannel, port: port, pool: pool))
                case .failure:
                    // Another process holds the port (or its partner): release and try the next.
                    rtp.whenSuccess { $0.close(promise: nil) }
                    pool.release(port)
                    failed.insert(port)
                    attempt(remaining - 1)
                }
            }
        }
        attempt(16)
        return promise.futureResult
    }

    /// Sends one datagram.
    public func send(_ datagram: ByteBuffer, to destination: SocketAddress) {
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: datagram), promise: nil)
    }

    /// Sends one RTCP datagram from the odd port.
    public func sendRTCP(_ datagram: ByteBuffer, to destination: SocketAddress) {
        rtcpChannel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: datagram), promise: nil)
    }

    /// Closes both sockets and returns the port pair to the pool once they are closed.
    public func close() {
        guard !released else { return }
        released = true
        let pool = pool
        let port = port
        channel.close().and(rtcpChannel.close()).whenComplete { _ in pool.release(port) }
    }
}

/// Forwards RTP or RTCP datagrams to the receiver (the handler only translates, STYLE.md rule 6).
private final class RTPInboundHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let receiver: any RTPReceiver
    private let rtcp: Bool

    init(receiver: any RTPReceiver, rtcp: Bool = false) {
        self.receiver = receiver
        self.rtcp = rtcp
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        if rtcp {
            receiver.receivedRTCP(envelope.data, from: envelope.remoteAddress)
        } else {
            receiver.receivedRTP(envelope.data, from: envelope.remoteAddress)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors from a peer that went away must not close the call's socket.
    }
}
