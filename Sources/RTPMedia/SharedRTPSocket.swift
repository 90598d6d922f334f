public import NIOCore
import NIOPosix

/// One RTP/RTCP port pair per event loop, shared by every call on that loop and demultiplexed
/// by the caller's source address (`rtp.sockets: per_loop`, issue 7).
///
/// With a socket per call every 20 ms frame costs one `recvmsg` and one `sendmsg` per call. A
/// socket that carries all the calls of a loop reads whatever has arrived with one `recvmmsg`
/// and sends every frame written during one turn of the loop (a media clock tick sends every
/// due call's frame) with one `sendmmsg`: the writes are queued and flushed once, at the end of
/// the turn.
///
/// Demultiplexing (RFC 3550 §8.2 leaves it to the application; RFC 7656 §3.2.4 calls a shared
/// port with several RTP sessions "demultiplexed by transport address"): a call's lane is keyed
/// by the remote RTP address of its SDP; the first packet from that address latches it. A caller
/// behind NAT whose packets arrive from another port of the same host latches the first lane of
/// that host still waiting for its first packet. Packets from any other source are dropped and
/// counted (`unmatchedDatagrams`): unlike a port of its own, a shared port cannot latch a stranger.
/// RTCP (on the odd port) goes to the lane whose remote RTP port is the source port − 1
/// (RFC 3550 §11).
///
/// Confined to its event loop: every method must be called there.
public final class SharedRTPSocket: RTPReceiver, @unchecked Sendable {
    /// A call's share of the socket.
    final class Lane {
        let receiver: any RTPReceiver
        var remote: SocketAddress
        var latched = false
        var open = true

        init(receiver: any RTPReceiver, remote: SocketAddress) {
            self.receiver = receiver
            self.remote = remote
        }
    }

    private struct Bound {
        var rtp: any Channel
        var rtcp: any Channel
        var port: Int
    }

    /// The loop whose calls share the socket.
    public let eventLoop: any EventLoop
    private let host: String
    private let pool: RTPPortPool
    private let vectorCount: Int
    private var bound: Bound?
    private var binding: EventLoopFuture<Void>?
    /// Lanes by the remote address their RTP comes from.
    private var lanes: [SocketAddress: Lane] = [:]
    /// Lanes that have not received their first packet yet (NAT latching candidates).
    private var awaiting: [Lane] = []
    private var flushScheduled = false
    private var flushTask: (() -> Void)?
    /// Datagrams from a source no lane expects (dropped).
    public private(set) var unmatchedDatagrams = 0
    private let onUnmatched: @Sendable () -> Void

    /// Creates an unbound socket; the first `open` binds it.
    /// - Parameters:
    ///   - host: the address to bind (`rtp.address`).
    ///   - pool: where its port pair comes from (held for the socket's life).
    ///   - eventLoop: the loop whose calls share it.
    ///   - vectorCount: datagrams read per `recvmmsg`.
    ///   - onUnmatched: called for each datagram dropped because no call expects its source.
    public init(
        host: String, pool: RTPPortPool, eventLoop: any EventLoop, vectorCount: Int = 32,
        onUnmatched: @escaping @Sendable () -> Void = {}
    ) {
        self.onUnmatched = onUnmatched
        self.host = host
        self.pool = pool
        self.eventLoop = eventLoop
        self.vectorCount = max(1, vectorCount)
    }

    /// The bound RTP port, once bound.
    public var port: Int? { bound?.port }

    /// The number of open lanes (calls sharing the socket).
    public private(set) var laneCount = 0

    /// Whether a call whose media comes from `remote` can share the socket: it needs a real
    /// address no other lane is keyed by (calls from one address and port, or on hold with
    /// `0.0.0.0`, get a port pair of their own).
    func canRoute(_ remote: SocketAddress) -> Bool {
        guard let port = remote.port, port > 0, !Self.isUnspecified(remote) else { return false }
        return lanes[remote] == nil
    }

    /// Binds the pair if needed, then adds a lane for a call whose media comes from `remote`;
    /// `nil` when another lane took that address meanwhile (see `canRoute`).
    func open(remote: SocketAddress, receiver: any RTPReceiver) -> EventLoopFuture<Lane?> {
        eventLoop.preconditionInEventLoop()
        return bindIfNeeded().assumeIsolated().map { () -> Lane? in
            guard self.canRoute(remote) else { return nil }
            let lane = Lane(receiver: receiver, remote: remote)
            self.lanes[remote] = lane
            self.awaiting.append(lane)
            self.laneCount += 1
            return lane
        }.nonisolated()
    }

    /// The call's media moved (a re-INVITE with a new address): expect it from `remote`.
    func move(_ lane: Lane, to remote: SocketAddress) {
        guard lane.open, lane.remote != remote else { return }
        if lanes[lane.remote] === lane { lanes[lane.remote] = nil }
        lane.remote = remote
        lane.latched = false
        if lanes[remote] == nil { lanes[remote] = lane }
        if !awaiting.contains(where: { $0 === lane }) { awaiting.append(lane) }
    }

    /// Removes a call's lane.
    func close(_ lane: Lane) {
        guard lane.open else { return }
        lane.open = false
        laneCount -= 1
        if lanes[lane.remote] === lane { lanes[lane.remote] = nil }
        awaiting.removeAll { $0 === lane }
    }

    /// Closes the pair and returns its ports (at shutdown, once every call has ended).
    public func close() {
        eventLoop.preconditionInEventLoop()
        guard let bound else { return }
        self.bound = nil
        let pool = pool
        bound.rtp.close().and(bound.rtcp.close()).whenComplete { _ in pool.release(bound.port) }
    }

    /// Queues one datagram; the loop's turn ends with one flush for all of them.
    func send(_ datagram: ByteBuffer, to destination: SocketAddress, rtcp: Bool) {
        guard let bound else { return }
        (rtcp ? bound.rtcp : bound.rtp).write(AddressedEnvelope(remoteAddress: destination, data: datagram), promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        if flushTask == nil { flushTask = { [unowned self] in self.flush() } }
        eventLoop.assumeIsolated().execute(flushTask!)
    }

    /// The allocator for outbound datagrams.
    var allocator: ByteBufferAllocator { bound?.rtp.allocator ?? ByteBufferAllocator() }

    private func flush() {
        flushScheduled = false
        bound?.rtp.flush()
        bound?.rtcp.flush()
    }

    // MARK: - Demultiplexing

    /// Demultiplexes one RTP datagram (the socket is its channel's `RTPReceiver`).
    public func receivedRTP(_ datagram: ByteBuffer, from source: SocketAddress) {
        if let lane = lanes[source] {
            if !lane.latched { latch(lane) }
            lane.receiver.receivedRTP(datagram, from: source)
            return
        }
        // NAT: the caller's packets come from another port of the host its SDP named.
        guard let lane = awaiting.first(where: { Self.sameHost($0.remote, source) }) else {
            unmatchedDatagrams += 1
            onUnmatched()
            return
        }
        if lanes[lane.remote] === lane { lanes[lane.remote] = nil }
        lane.remote = source
        lanes[source] = lane
        latch(lane)
        lane.receiver.receivedRTP(datagram, from: source)
    }

    /// Demultiplexes one RTCP datagram from the odd port.
    public func receivedRTCP(_ datagram: ByteBuffer, from source: SocketAddress) {
        guard let port = source.port, port > 1, let rtpSource = Self.replacingPort(of: source, with: port - 1),
            let lane = lanes[rtpSource]
        else {
            unmatchedDatagrams += 1
            onUnmatched()
            return
        }
        lane.receiver.receivedRTCP(datagram, from: source)
    }

    private func latch(_ lane: Lane) {
        lane.latched = true
        awaiting.removeAll { $0 === lane }
    }

    // MARK: - Binding

    private func bindIfNeeded() -> EventLoopFuture<Void> {
        if bound != nil { return eventLoop.makeSucceededVoidFuture() }
        if let binding { return binding }
        let future = bindPair(remaining: 16, failed: [])
        binding = future
        future.assumeIsolated().whenComplete { _ in self.binding = nil }
        return future
    }

    /// Binds a free pair like `RTPTransport.bind`, with vector reads and large socket buffers:
    /// one socket now holds the bursts of every call on the loop.
    private func bindPair(remaining: Int, failed: Set<Int>) -> EventLoopFuture<Void> {
        guard remaining > 0, let port = pool.acquire(skipping: failed, shared: true) else {
            return eventLoop.makeFailedFuture(RTPMediaError.noPortAvailable)
        }
        let rtp = bootstrap(rtcp: false).bind(host: host, port: port)
        let rtcp = rtp.flatMap { _ in self.bootstrap(rtcp: true).bind(host: self.host, port: port + 1) }
        return rtp.and(rtcp).assumeIsolated().map { rtpChannel, rtcpChannel in
            self.bound = Bound(rtp: rtpChannel, rtcp: rtcpChannel, port: port)
        }.flatMapError { _ in
            rtp.whenSuccess { $0.close(promise: nil) }
            self.pool.release(port)
            return self.bindPair(remaining: remaining - 1, failed: failed.union([port]))
        }.nonisolated()
    }

    private func bootstrap(rtcp: Bool) -> DatagramBootstrap {
        let socket = NIOLoopBound(self, eventLoop: eventLoop)
        let size = 4 << 20  // capped by net.core.rmem_max / wmem_max
        return DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_rcvbuf), value: size)
            .channelOption(.socketOption(.so_sndbuf), value: size)
            .channelOption(.datagramVectorReadMessageCount, value: vectorCount)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: vectorCount * 2048))
            // Up to 8 batches per wake-up: the loop's media clock runs after the reads, so a
            // backlog left in the socket (after the thread was descheduled, more than 32 calls'
            // packets are waiting) would have its slots declared missing before they are read.
            // The cost is one `recvmmsg` returning EAGAIN when a wake-up's batch was partial.
            .channelOption(.maxMessagesPerRead, value: 8)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RTPInboundHandler(receiver: socket.value, rtcp: rtcp))
                }
            }
    }

    // MARK: - Addresses

    /// Whether two addresses name the same host (any port). Only unknown sources get here.
    static func sameHost(_ a: SocketAddress, _ b: SocketAddress) -> Bool {
        guard let x = a.ipAddress, let y = b.ipAddress else { return false }
        return x == y
    }

    static func isUnspecified(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return true }
        return ip == "0.0.0.0" || ip == "::"
    }

    /// `address` with another port (RTCP's source → its RTP address); RTCP is rare enough for a parse.
    static func replacingPort(of address: SocketAddress, with port: Int) -> SocketAddress? {
        guard let ip = address.ipAddress else { return nil }
        return try? SocketAddress(ipAddress: ip, port: port)
    }
}
