import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import RTPMedia

/// Tier 3: the media clock on a real event loop settles media deadlines only after the loop's
/// next pass over its sockets (`LoopWakeup`), so a packet that arrived while the loop was
/// stalled is read before its slot can be declared missing.
@Suite(.timeLimit(.minutes(1))) struct MediaClockSocketPassTests {
    /// A call stand-in: its deadline has passed at every tick; at settling it notes how many
    /// datagrams its socket had delivered by then. Confined to the loop.
    private final class Client: MediaClockClient, @unchecked Sendable {
        var received = 0
        /// When the caller's packet was surely in the socket (set when the stall ends): the
        /// first settling as of a later time is the one under test.
        var packetInSocketBy: NIODeadline?
        var onSettle: (Int) -> Void = { _ in }
        func mediaClockTicked(now: NIODeadline) -> Bool { true }
        func mediaClockSettled(now: NIODeadline) {
            guard let packetInSocketBy, now >= packetInSocketBy else { return }
            self.packetInSocketBy = nil
            onSettle(received)
        }
    }

    private final class Counter: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let client: Client
        init(client: Client) { self.client = client }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { client.received += 1 }
    }

    @Test(arguments: [true, false])
    func aPacketThatArrivedDuringAStallIsReadBeforeSettling(afterSocketPass: Bool) async throws {
        try await withLoop { loop in
            let settled = loop.makePromise(of: Int.self)
            let blocked = DispatchSemaphore(value: 0)
            let sent = DispatchSemaphore(value: 0)
            let client = Client()
            // Bound here so that the test can see when the caller's datagram is queued on it.
            let descriptor = try Self.boundUDPSocket()
            let socket = try await DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Counter(client: client)) }
                }
                .withBoundSocket(descriptor).get()
            let port = try #require(socket.localAddress?.port)
            let clock = try await loop.submit { MediaClock(eventLoop: loop, settlesAfterSocketPass: afterSocketPass) }.get()
            // Ticks run for a while first (the first one binds the wake-up socket).
            try await loop.submit {
                client.onSettle = { settled.succeed($0) }
                clock.add(client)
            }.get()
            _ = try await value(of: loop.scheduleTask(in: .milliseconds(30)) {}.futureResult)
            // Stall the loop in its task pass until the caller's packet has arrived and the
            // next tick is due: that tick runs before the loop reads the socket again.
            let gotPacket = NIOLockedValueBox(false)
            loop.execute {
                blocked.signal()
                // Bounded: the sender signals once its packet is queued on the socket.
                let received = sent.wait(timeout: .now() + 5) == .success
                let inSocket = NIODeadline.now()
                let until = inSocket + .milliseconds(12)
                while NIODeadline.now() < until {}  // the next 5 ms tick falls due meanwhile
                gotPacket.withLockedValue { $0 = received }
                client.packetInSocketBy = inSocket
            }
            // The caller is a thread of its own, not a task: the test's task can wait seconds for
            // a thread of the shared pool when the parallel run fills it, past the stall's bound.
            let sender = Thread {
                _ = blocked.wait(timeout: .now() + 5)
                Self.sendDatagram(to: port)
                // Loopback delivery can lag the send (deferred to ksoftirqd under load): wait,
                // bounded, until the datagram is queued on the socket, without reading it.
                var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&ready, 1, 5000)
                sent.signal()
            }
            sender.start()
            let seen = try await value(of: settled.futureResult)
            // Settling as of a time the packet was in the socket must have it read; right
            // after the tick (no socket pass) it has not been: the late packet the wake-up prevents.
            #expect(gotPacket.withLockedValue { $0 }, "the stall ended with the caller's packet queued, not by its time bound")
            #expect(seen == (afterSocketPass ? 1 : 0))
            try await loop.submit { clock.remove(client) }.get()
            try await socket.close()
        }
    }

    /// Sends one 4-byte datagram from a socket of its own to 127.0.0.1:`port` (blocking).
    private static func sendDatagram(to port: Int) {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let payload: [UInt8] = [0x80, 0, 0, 1]
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                payload.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, target, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    /// A UDP socket bound to 127.0.0.1 on a free port.
    private static func boundUDPSocket() throws -> CInt {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound != 0 { close(descriptor) }
        try #require(bound == 0)
        return descriptor
    }
}
