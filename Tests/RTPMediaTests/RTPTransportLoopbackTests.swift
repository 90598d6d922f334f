import NIOCore
import Testing

@testable import RTPMedia

/// Tier 3: `RTPTransport` on real UDP sockets over 127.0.0.1. Waits poll with a bound; nothing
/// sleeps for a fixed time.
@Suite(.timeLimit(.minutes(1))) struct RTPTransportLoopbackTests {
    /// A pool of ten pairs at a random base, so parallel runs rarely meet.
    private func pool() -> RTPPortPool {
        let base = randomPortBase()
        return RTPPortPool(range: base...(base + 19))
    }

    /// Binds a blocker socket on `base + offset` for some random even `base` that is free.
    private func blocker(offset: Int, on loop: any EventLoop) async throws -> (base: Int, socket: PeerSocket) {
        for _ in 0..<20 {
            let base = randomPortBase()
            if let socket = try? await PeerSocket.bind(on: loop, port: base + offset) { return (base, socket) }
        }
        throw LoopbackTimeout()
    }

    @Test func receivesDatagramsWithTheirSource() async throws {
        try await withLoop { loop in
            let pool = pool()
            let bound = try await BoundTransport.bind(pool: pool, on: loop)
            #expect(bound.port % 2 == 0)
            #expect((pool.lowerBound...pool.upperBound).contains(bound.port + 1))
            #expect(pool.inUseCount == 1)

            var sender = RTPSender(payloadType: 0, samplesPerFrame: 160, ssrc: 7, sequenceNumber: 1, timestamp: 0)
            var packets: [[UInt8]] = []
            for index in 0..<3 {
                var buffer = ByteBuffer()
                sender.writeNextHeader(into: &buffer)
                buffer.writeBytes(pattern(count: 160, start: index))
                packets.append(Array(buffer.readableBytesView))
            }
            let peer = try await PeerSocket.bind(on: loop)
            for packet in packets { try await peer.send(packet, toPort: bound.port) }

            #expect(try await eventually { try await bound.received().count >= 3 })
            let received = try await bound.received()
            #expect(received.map(\.bytes) == packets)
            for datagram in received {
                #expect(datagram.source.port == peer.port)
                #expect(datagram.source.ipAddress == "127.0.0.1")
            }
            let parsed = try RTPPacket(parsing: ByteBuffer(bytes: received[2].bytes))
            #expect(parsed.header.sequenceNumber == 3)
            #expect(parsed.payload.bytes == pattern(count: 160, start: 2))

            try await bound.close()
            try await peer.close()
        }
    }

    /// RTCP on the odd port is read and dropped. A second RTP datagram, sent after the RTCP one
    /// was already queued, marks the point by which a misrouted RTCP datagram would have shown.
    @Test func rtcpDatagramsDoNotReachTheReceiver() async throws {
        try await withLoop { loop in
            let bound = try await BoundTransport.bind(pool: pool(), on: loop)
            let peer = try await PeerSocket.bind(on: loop)
            let first: [UInt8] = [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1]
            let second: [UInt8] = [0x80, 0x00, 0x00, 0x02, 0, 0, 0, 0xA0, 0, 0, 0, 1]
            try await peer.send([0x81, 0xC8, 0x00, 0x00], toPort: bound.port + 1)  // an RTCP SR
            try await peer.send(first, toPort: bound.port)
            #expect(try await eventually { try await !bound.received().isEmpty })
            try await peer.send(second, toPort: bound.port)
            #expect(try await eventually { try await bound.received().count >= 2 })
            #expect(try await bound.received().map(\.bytes) == [first, second])
            try await bound.close()
            try await peer.close()
        }
    }

    @Test func sendReachesThePeer() async throws {
        try await withLoop { loop in
            let bound = try await BoundTransport.bind(pool: pool(), on: loop)
            let peer = try await PeerSocket.bind(on: loop)
            let destination = try SocketAddress(ipAddress: "127.0.0.1", port: peer.port)
            try await bound.send([1, 2, 3], to: destination)
            try await bound.send(pattern(count: 172), to: destination)

            #expect(await eventually { peer.received.count >= 2 })
            let received = peer.received
            #expect(received.map { Array($0.data.readableBytesView) } == [[1, 2, 3], pattern(count: 172)])
            #expect(received.allSatisfy { $0.remoteAddress.port == bound.port })
            try await bound.close()
            try await peer.close()
        }
    }

    @Test func bindSkipsARTPPortHeldByAnotherSocket() async throws {
        try await withLoop { loop in
            let (base, blocker) = try await blocker(offset: 0, on: loop)
            let pool = RTPPortPool(range: base...(base + 9))
            let bound = try await BoundTransport.bind(pool: pool, on: loop)
            #expect(bound.port == base + 2)
            #expect(pool.inUseCount == 1, "the refused port went back to the pool")
            try await bound.close()
            try await blocker.close()
        }
    }

    /// The RTP port binds but its RTCP partner is taken: the pair is skipped and the RTP
    /// socket already bound is closed again, so the port is free for others.
    @Test func bindSkipsAPairWhoseRTCPPortIsHeld() async throws {
        try await withLoop { loop in
            let (base, blocker) = try await blocker(offset: 1, on: loop)
            let pool = RTPPortPool(range: base...(base + 9))
            let bound = try await BoundTransport.bind(pool: pool, on: loop)
            #expect(bound.port == base + 2)
            #expect(pool.inUseCount == 1)
            var reclaimed: PeerSocket?
            #expect(
                await eventually {
                    reclaimed = try? await PeerSocket.bind(on: loop, port: base)
                    return reclaimed != nil
                }, "the half-bound RTP socket on \(base) was not closed")
            try await reclaimed?.close()
            try await bound.close()
            try await blocker.close()
        }
    }

    @Test func bindFailsWhenNoPortIsFree() async throws {
        try await withLoop { loop in
            let (base, blocker) = try await blocker(offset: 0, on: loop)
            let pool = RTPPortPool(range: base...(base + 1))
            await #expect(throws: RTPMediaError.noPortAvailable) {
                try await BoundTransport.bind(pool: pool, on: loop)
            }
            #expect(pool.inUseCount == 0)

            // A pool whose only pair is already handed out fails the same way.
            let taken = RTPPortPool(range: base + 2...(base + 3))
            let port = try #require(taken.acquire())
            await #expect(throws: RTPMediaError.noPortAvailable) {
                try await BoundTransport.bind(pool: taken, on: loop)
            }
            taken.release(port)
            try await blocker.close()
        }
    }

    @Test func closeReturnsThePortToThePool() async throws {
        try await withLoop { loop in
            let pool = pool()
            let bound = try await BoundTransport.bind(pool: pool, on: loop)
            #expect(pool.inUseCount == 1)
            try await bound.close()
            try await bound.close()  // a second close is harmless
            #expect(await eventually { pool.inUseCount == 0 })
            // Both sockets are really gone: the pair can be bound by someone else.
            let rtp = try await PeerSocket.bind(on: loop, port: bound.port)
            let rtcp = try await PeerSocket.bind(on: loop, port: bound.port + 1)
            try await rtp.close()
            try await rtcp.close()
        }
    }
}
