import NIOCore
import NIOPosix
import Synchronization

@testable import RTPMedia

/// Tier-3 plumbing for `RTPTransport`: real UDP sockets on 127.0.0.1, every wait bounded.

/// A wait that ran out.
struct LoopbackTimeout: Error, CustomStringConvertible {
    var description: String { "timed out waiting on the loopback" }
}

/// Runs `body` with the one loop of a fresh single-threaded group, then shuts the group down.
func withLoop(_ body: (any EventLoop) async throws -> Void) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    do {
        try await body(group.next())
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
    try await group.shutdownGracefully()
}

/// The value of `future`, or `LoopbackTimeout` after `timeout`.
func value<T: Sendable>(of future: EventLoopFuture<T>, within timeout: TimeAmount = .seconds(5)) async throws -> T {
    let promise = future.eventLoop.makePromise(of: T.self)
    let timer = future.eventLoop.scheduleTask(in: timeout) { promise.fail(LoopbackTimeout()) }
    future.whenComplete { result in
        timer.cancel()
        promise.completeWith(result)  // ignored when the timer already failed it
    }
    return try await promise.futureResult.get()
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes.
func eventually(within timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

/// A random even base port for a small pool, away from the RTP defaults (20000–29999).
func randomPortBase() -> Int {
    Int.random(in: 21_000..<29_000) * 2
}

/// One datagram as the receiver saw it.
struct Received: Sendable, Equatable {
    var bytes: [UInt8]
    var source: SocketAddress
}

/// The call side's receiver. Confined to the loop: created there, read there through
/// `NIOLoopBound`, so it needs no lock (STYLE.md rule 2).
final class RecordingReceiver: RTPReceiver {
    private(set) var received: [Received] = []

    func receivedRTP(_ datagram: ByteBuffer, from source: SocketAddress) {
        received.append(Received(bytes: Array(datagram.readableBytesView), source: source))
    }
}

/// A bound transport and its receiver, both held on their loop.
struct BoundTransport: Sendable {
    let transport: NIOLoopBound<RTPTransport>
    let receiver: NIOLoopBound<RecordingReceiver>
    let port: Int
    let loop: any EventLoop

    /// Binds on `loop` (as `RTPTransport.bind` requires) with a fresh receiver.
    static func bind(pool: RTPPortPool, on loop: any EventLoop) async throws -> BoundTransport {
        try await value(
            of: loop.flatSubmit {
                let receiver = NIOLoopBound(RecordingReceiver(), eventLoop: loop)
                return RTPTransport.bind(host: "127.0.0.1", pool: pool, eventLoop: loop, receiver: receiver.value)
                    .map { transport in
                        BoundTransport(
                            transport: NIOLoopBound(transport, eventLoop: loop), receiver: receiver,
                            port: transport.port, loop: loop)
                    }
            })
    }

    /// What the receiver has seen so far.
    func received() async throws -> [Received] {
        try await value(of: loop.submit { receiver.value.received })
    }

    func send(_ bytes: [UInt8], to destination: SocketAddress) async throws {
        try await value(of: loop.submit { transport.value.send(ByteBuffer(bytes: bytes), to: destination) })
    }

    func close() async throws {
        try await value(of: loop.submit { transport.value.close() })
    }
}

/// A plain test UDP socket on 127.0.0.1 that records what it receives.
struct PeerSocket: Sendable {
    let channel: any Channel
    private let inbox: Inbox

    /// Binds `port` (0: any free port).
    static func bind(on loop: any EventLoop, port: Int = 0) async throws -> PeerSocket {
        let inbox = Inbox()
        let channel = try await value(
            of: DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(CollectingHandler(inbox: inbox))
                    }
                }
                .bind(host: "127.0.0.1", port: port))
        return PeerSocket(channel: channel, inbox: inbox)
    }

    var port: Int { channel.localAddress?.port ?? -1 }

    var received: [AddressedEnvelope<ByteBuffer>] { inbox.envelopes }

    func send(_ bytes: [UInt8], toPort port: Int) async throws {
        let envelope = AddressedEnvelope(
            remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port), data: ByteBuffer(bytes: bytes))
        try await value(of: channel.writeAndFlush(envelope))
    }

    func close() async throws {
        try await value(of: channel.close())
    }
}

/// The peer's received datagrams, shared between its loop and the test.
private final class Inbox: Sendable {
    private let storage = Mutex<[AddressedEnvelope<ByteBuffer>]>([])

    func append(_ envelope: AddressedEnvelope<ByteBuffer>) { storage.withLock { $0.append(envelope) } }

    var envelopes: [AddressedEnvelope<ByteBuffer>] { storage.withLock { $0 } }
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let inbox: Inbox

    init(inbox: Inbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.append(unwrapInboundIn(data))
    }
}
