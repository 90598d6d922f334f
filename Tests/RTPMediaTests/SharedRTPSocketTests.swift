import Dispatch
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import RTPMedia

/// Tier 3: `SharedRTPSocket` (`rtp.sockets: per_loop`) on real UDP sockets over 127.0.0.1:
/// several calls on one port pair, demultiplexed by the caller's address. Waits poll with a bound.
@Suite(.timeLimit(.minutes(1))) struct SharedRTPSocketTests {
    private func pool() -> RTPPortPool {
        let base = randomPortBase()
        return RTPPortPool(range: base...(base + 19))
    }

    @Test func callsShareOnePortAndGetOnlyTheirCallersPackets() async throws {
        try await withLoop { loop in
            let pool = pool()
            let dropped = Tally()
            let shared = SharedRTPSocket(host: "127.0.0.1", pool: pool, eventLoop: loop) { dropped.add() }
            let alice = try await PeerSocket.bind(on: loop)
            let bob = try await PeerSocket.bind(on: loop)
            let stranger = try await PeerSocket.bind(on: loop)
            let a = try await SharedLane.open(shared, remote: alice.address, pool: pool)
            let b = try await SharedLane.open(shared, remote: bob.address, pool: pool)
            #expect(a.port == b.port, "both calls answer with the loop's port")
            #expect(try await a.isShared)
            #expect(try await b.isShared)
            #expect(pool.inUseCount == 1, "one pair for the loop")
            #expect(pool.sharedCount == 1 && pool.dedicatedCount == 0)

            try await alice.send([0x80, 0, 0, 1, 1], toPort: a.port)
            try await bob.send([0x80, 0, 0, 2, 2], toPort: a.port)
            try await stranger.send([0x80, 0, 0, 3, 3], toPort: a.port)
            try await alice.send([0x80, 0, 0, 4, 4], toPort: a.port)
            #expect(try await eventually { try await a.rtp().count >= 2 })
            #expect(try await eventually { try await b.rtp().count >= 1 })
            #expect(try await eventually { try await loop.submit { shared.unmatchedDatagrams }.get() == 1 })
            #expect(try await a.rtp() == [[0x80, 0, 0, 1, 1], [0x80, 0, 0, 4, 4]])
            #expect(try await b.rtp() == [[0x80, 0, 0, 2, 2]])

            // Sends from both calls in one turn leave from the shared port to each caller.
            try await loop.submit {
                a.transport.value.send(ByteBuffer(bytes: [9, 1]), to: alice.address)
                b.transport.value.send(ByteBuffer(bytes: [9, 2]), to: bob.address)
            }.get()
            #expect(await eventually { alice.received.count >= 1 && bob.received.count >= 1 })
            #expect(alice.received.map { Array($0.data.readableBytesView) } == [[9, 1]])
            #expect(bob.received.map { Array($0.data.readableBytesView) } == [[9, 2]])
            #expect(alice.received.allSatisfy { $0.remoteAddress.port == a.port })

            try await a.close()
            try await alice.send([0x80, 0, 0, 5, 5], toPort: b.port)
            try await bob.send([0x80, 0, 0, 6, 6], toPort: b.port)
            #expect(try await eventually { try await b.rtp().count >= 2 })
            #expect(try await a.rtp().count == 2, "a closed lane gets nothing")
            #expect(try await loop.submit { shared.unmatchedDatagrams }.get() == 2)
            #expect(dropped.count == 2, "each dropped datagram is reported (sipbridge_rtp_unmatched_total)")
            try await b.close()
            #expect(try await loop.submit { shared.laneCount }.get() == 0)
            try await loop.submit { shared.close() }.get()
            #expect(await eventually { pool.inUseCount == 0 })
            for peer in [alice, bob, stranger] { try await peer.close() }
        }
    }

    /// A caller behind NAT sends from another port than its SDP names: the first lane of that
    /// host still waiting for its first packet latches it, and keeps it.
    @Test func natLatchesAWaitingLaneOfTheSameHost() async throws {
        try await withLoop { loop in
            let pool = pool()
            let shared = SharedRTPSocket(host: "127.0.0.1", pool: pool, eventLoop: loop)
            let natted = try await PeerSocket.bind(on: loop)
            let sdpSays = try SocketAddress(ipAddress: "127.0.0.1", port: natted.port == 9 ? 11 : 9)
            let lane = try await SharedLane.open(shared, remote: sdpSays, pool: pool)
            try await natted.send([0x80, 0, 0, 1], toPort: lane.port)
            try await natted.send([0x80, 0, 0, 2], toPort: lane.port)
            #expect(try await eventually { try await lane.rtp().count >= 2 })
            #expect(try await lane.sources().allSatisfy { $0.port == natted.port })

            // Latched: another port of the same host is a stranger now.
            let other = try await PeerSocket.bind(on: loop)
            try await other.send([0x80, 0, 0, 3], toPort: lane.port)
            #expect(try await eventually { try await loop.submit { shared.unmatchedDatagrams }.get() == 1 })
            #expect(try await lane.rtp().count == 2)
            try await lane.close()
            try await loop.submit { shared.close() }.get()
            try await natted.close()
            try await other.close()
        }
    }

    /// RTCP from the caller's RTP port + 1 reaches its call (RFC 3550 §11); a re-INVITE that
    /// moves the media re-keys the lane.
    @Test func rtcpAndMovedMediaReachTheirCall() async throws {
        try await withLoop { loop in
            let pool = pool()
            let shared = SharedRTPSocket(host: "127.0.0.1", pool: pool, eventLoop: loop)
            var pair: (PeerSocket, PeerSocket)?
            for _ in 0..<20 where pair == nil {
                let base = randomPortBase() + 2_000
                if let rtp = try? await PeerSocket.bind(on: loop, port: base) {
                    if let rtcp = try? await PeerSocket.bind(on: loop, port: base + 1) { pair = (rtp, rtcp) } else { try await rtp.close() }
                }
            }
            let (callerRTP, callerRTCP) = try #require(pair)
            let lane = try await SharedLane.open(shared, remote: callerRTP.address, pool: pool)
            try await callerRTCP.send([0x81, 0xC8, 0, 0], toPort: lane.port + 1)
            #expect(try await eventually { try await lane.rtcp().count == 1 })
            #expect(try await lane.rtp().isEmpty)

            let moved = try await PeerSocket.bind(on: loop)
            try await loop.submit { lane.transport.value.remoteMoved(to: moved.address) }.get()
            try await moved.send([0x80, 0, 0, 7], toPort: lane.port)
            #expect(try await eventually { try await lane.rtp() == [[0x80, 0, 0, 7]] })
            try await lane.close()
            try await loop.submit { shared.close() }.get()
            for peer in [callerRTP, callerRTCP, moved] { try await peer.close() }
        }
    }

    /// A backlog larger than one `recvmmsg` batch (the loop's thread was descheduled while a
    /// loop's worth of calls sent their packets) is read in one wake-up, before the loop runs
    /// its timers: the media clock must not declare missing the slots of packets still
    /// waiting in the socket (they would all count as late).
    @Test func aBacklogIsReadBeforeTheLoopRunsItsTimers() async throws {
        try await withLoop { loop in
            let senders = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let pool = pool()
            let shared = SharedRTPSocket(host: "127.0.0.1", pool: pool, eventLoop: loop, vectorCount: 32)
            let caller = try await PeerSocket.bind(on: senders.next())
            let lane = try await SharedLane.open(shared, remote: caller.address, pool: pool)
            let blocked = DispatchSemaphore(value: 0)
            let sent = DispatchSemaphore(value: 0)
            let seenByTimer = loop.makePromise(of: Int.self)
            // The first datagram stalls the loop in the middle of its read (as a descheduled
            // thread would), with a timer already due; the backlog builds meanwhile.
            try await loop.submit {
                let receiver = lane.receiver.value
                receiver.onRTP = {
                    receiver.onRTP = nil
                    loop.assumeIsolated().scheduleTask(deadline: .now()) { seenByTimer.succeed(receiver.rtp.count) }
                    blocked.signal()
                    _ = sent.wait(timeout: .now() + 5)  // bounded: the test signals once its sends are done
                }
            }.get()
            try await caller.send([0x80, 0, 0, 0], toPort: lane.port)
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    _ = blocked.wait(timeout: .now() + 5)
                    continuation.resume()
                }
            }
            for index in 1...100 { try await caller.send([0x80, 0, 0, UInt8(index)], toPort: lane.port) }
            sent.signal()
            let seen = try await value(of: seenByTimer.futureResult)
            #expect(seen == 101, "the whole backlog is read before the timer runs")
            try await lane.close()
            try await loop.submit { shared.close() }.get()
            try await caller.close()
            try await senders.shutdownGracefully()
        }
    }

    /// Two calls whose media come from one address and port cannot be told apart on one port:
    /// the second gets a pair of its own. So does a call on hold (`0.0.0.0`).
    @Test func callsThatCannotShareGetAPairOfTheirOwn() async throws {
        try await withLoop { loop in
            let pool = pool()
            let shared = SharedRTPSocket(host: "127.0.0.1", pool: pool, eventLoop: loop)
            let peer = try await PeerSocket.bind(on: loop)
            let first = try await SharedLane.open(shared, remote: peer.address, pool: pool)
            let second = try await SharedLane.open(shared, remote: peer.address, pool: pool)
            let held = try await SharedLane.open(shared, remote: try SocketAddress(ipAddress: "0.0.0.0", port: 4000), pool: pool)
            #expect(try await first.isShared)
            #expect(try await !second.isShared)
            #expect(try await !held.isShared)
            #expect(Set([first.port, second.port, held.port]).count == 3)
            #expect(pool.inUseCount == 3)
            #expect(pool.dedicatedCount == 2)
            for lane in [first, second, held] { try await lane.close() }
            try await loop.submit { shared.close() }.get()
            #expect(await eventually { pool.inUseCount == 0 })
            try await peer.close()
        }
    }
}

/// Counts reports from any thread.
private final class Tally: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

/// Records RTP and RTCP with their sources; confined to the loop.
private final class LaneReceiver: RTPReceiver {
    var rtp: [Received] = []
    var rtcp: [Received] = []
    /// Called after each RTP datagram is recorded.
    var onRTP: (() -> Void)?

    func receivedRTP(_ datagram: ByteBuffer, from source: SocketAddress) {
        rtp.append(Received(bytes: Array(datagram.readableBytesView), source: source))
        onRTP?()
    }

    func receivedRTCP(_ datagram: ByteBuffer, from source: SocketAddress) {
        rtcp.append(Received(bytes: Array(datagram.readableBytesView), source: source))
    }
}

/// One call's transport opened on a shared socket, with its receiver, both held on the loop.
private struct SharedLane: Sendable {
    let transport: NIOLoopBound<RTPTransport>
    let receiver: NIOLoopBound<LaneReceiver>
    let port: Int
    let loop: any EventLoop

    static func open(_ shared: SharedRTPSocket, remote: SocketAddress, pool: RTPPortPool) async throws -> SharedLane {
        let loop = shared.eventLoop
        return try await value(
            of: loop.flatSubmit {
                let receiver = NIOLoopBound(LaneReceiver(), eventLoop: loop)
                return RTPTransport.open(shared: shared, remote: remote, host: "127.0.0.1", pool: pool, receiver: receiver.value)
                    .map { SharedLane(transport: NIOLoopBound($0, eventLoop: loop), receiver: receiver, port: $0.port, loop: loop) }
            })
    }

    var isShared: Bool { get async throws { try await value(of: loop.submit { transport.value.isShared }) } }
    func rtp() async throws -> [[UInt8]] { try await value(of: loop.submit { receiver.value.rtp.map(\.bytes) }) }
    func rtcp() async throws -> [[UInt8]] { try await value(of: loop.submit { receiver.value.rtcp.map(\.bytes) }) }
    func sources() async throws -> [SocketAddress] { try await value(of: loop.submit { receiver.value.rtp.map(\.source) }) }
    func close() async throws { try await value(of: loop.submit { transport.value.close() }) }
}

extension PeerSocket {
    /// Where the peer's datagrams come from.
    var address: SocketAddress { channel.localAddress! }
}
