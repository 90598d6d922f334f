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

/// One call's RTP/RTCP transport (RFC 3550 §11): a port pair of its own, bound on the call's
/// event loop, or a lane of the loop's `SharedRTPSocket` (`rtp.sockets: per_loop`).
public final class RTPTransport {
    private enum Backing {
        case dedicated(rtp: any Channel, rtcp: any Channel, pool: RTPPortPool)
        case shared(SharedRTPSocket, SharedRTPSocket.Lane)
    }

    private let backing: Backing
    /// The bound RTP port (the SDP answer's `m=` port).
    public let port: Int
    /// The allocator for outbound datagrams.
    public let allocator: ByteBufferAllocator
    private var released = false

    private init(backing: Backing, port: Int, allocator: ByteBufferAllocator) {
        self.backing = backing
        self.port = port
        self.allocator = allocator
    }

    /// Whether the call shares its loop's socket.
    public var isShared: Bool {
        if case .shared = backing { return true }
        return false
    }

    /// A lane of `shared` for a call whose media comes from `remote`, or a port pair of its own
    /// when the call cannot share (no usable remote address, another call from the same address
    /// and port) or the shared pair cannot be bound. Must be called on `shared.eventLoop`.
    public static func open(
        shared: SharedRTPSocket, remote: SocketAddress, host: String, pool: RTPPortPool, receiver: any RTPReceiver
    ) -> EventLoopFuture<RTPTransport> {
        let eventLoop = shared.eventLoop
        guard shared.canRoute(remote) else { return bind(host: host, pool: pool, eventLoop: eventLoop, receiver: receiver) }
        let promise = eventLoop.makePromise(of: RTPTransport.self)
        shared.open(remote: remote, receiver: receiver).assumeIsolated().whenComplete { result in
            if case .success(let lane?) = result, let port = shared.port {
                promise.assumeIsolated().succeed(
                    RTPTransport(backing: .shared(shared, lane), port: port, allocator: shared.allocator))
            } else {
                bind(host: host, pool: pool, eventLoop: eventLoop, receiver: receiver).assumeIsolated()
                    .whenComplete { promise.assumeIsolated().completeWith($0) }
            }
        }
        return promise.futureResult
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
                .bind(address: host, port: port)
            let rtcp = rtp.flatMap { _ in
                DatagramBootstrap(group: eventLoop)
                    .channelOption(.maxMessagesPerRead, value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                RTPInboundHandler(receiver: receiverBox.value, rtcp: true))
                        }
                    }
                    .bind(address: host, port: port + 1)
            }
            rtp.and(rtcp).assumeIsolated().whenComplete { result in
                switch result {
                case .success(let (rtpChannel, rtcpChannel)):
                    promise.assumeIsolated().succeed(
                        RTPTransport(
                            backing: .dedicated(rtp: rtpChannel, rtcp: rtcpChannel, pool: pool), port: port,
                            allocator: rtpChannel.allocator))
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

    /// Sends one datagram (on a shared socket: queued, and flushed with the loop's other
    /// datagrams at the end of its turn).
    public func send(_ datagram: ByteBuffer, to destination: SocketAddress) {
        switch backing {
        case .dedicated(let rtp, _, _):
            rtp.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: datagram), promise: nil)
        case .shared(let socket, _):
            socket.send(datagram, to: destination, rtcp: false)
        }
    }

    /// Sends one RTCP datagram from the odd port.
    public func sendRTCP(_ datagram: ByteBuffer, to destination: SocketAddress) {
        switch backing {
        case .dedicated(_, let rtcp, _):
            rtcp.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: datagram), promise: nil)
        case .shared(let socket, _):
            socket.send(datagram, to: destination, rtcp: true)
        }
    }

    /// The caller's media moved to `remote` (a re-INVITE or UPDATE with a new address): a
    /// shared socket routes its packets to this call from now on.
    public func remoteMoved(to remote: SocketAddress) {
        if case .shared(let socket, let lane) = backing { socket.move(lane, to: remote) }
    }

    /// Closes both sockets and returns the port pair to the pool once they are closed (a
    /// shared socket only drops the call's lane).
    public func close() {
        guard !released else { return }
        released = true
        switch backing {
        case .dedicated(let rtp, let rtcp, let pool):
            let port = port
            rtp.close().and(rtcp.close()).whenComplete { _ in pool.release(port) }
        case .shared(let socket, let lane):
            socket.close(lane)
        }
    }
}

/// Forwards RTP or RTCP datagrams to the receiver (the handler only translates, STYLE.md rule 6).
final class RTPInboundHandler: ChannelInboundHandler {
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
        // ICMP errors from a peer that went away must not close the socket (a call's, or a loop's shared one).
    }
}

extension DatagramBootstrap {
    /// Binds to `host`, which is normally an address (`rtp.address`): that is bound to at once,
    /// where `bind(host:port:)` would first ask `getaddrinfo` — twice per call, RTP and RTCP.
    /// A name is still resolved.
    func bind(address host: String, port: Int) -> EventLoopFuture<any Channel> {
        if let address = try? SocketAddress(ipAddress: host, port: port) { return bind(to: address) }
        return bind(host: host, port: port)
    }
}
