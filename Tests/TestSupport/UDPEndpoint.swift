import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix

/// A loopback UDP socket for tests that records every datagram with its arrival time.
public final class UDPEndpoint: Sendable {
    /// A received datagram.
    public struct Datagram: Sendable {
        public let time: ContinuousClock.Instant
        public let bytes: [UInt8]
        public let source: SocketAddress
    }

    /// The bound port.
    public let port: Int
    private let channel: any Channel
    private let received: NIOLockedValueBox<[Datagram]>

    private init(channel: any Channel, received: NIOLockedValueBox<[Datagram]>) {
        self.channel = channel
        self.received = received
        self.port = channel.localAddress?.port ?? 0
    }

    /// Binds 127.0.0.1:`port` (0 = any).
    public static func bind(port: Int = 0, group: any EventLoopGroup) async throws -> UDPEndpoint {
        let received = NIOLockedValueBox<[Datagram]>([])
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(received: received))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        return UDPEndpoint(channel: channel, received: received)
    }

    /// Everything received so far.
    public var datagrams: [Datagram] { received.withLockedValue { $0 } }

    /// Sends bytes to `port` on 127.0.0.1.
    public func send(_ bytes: [UInt8], toPort port: Int) async throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let buffer = channel.allocator.buffer(bytes: bytes)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer))
    }

    /// Sends `datagrams` to `port` on 127.0.0.1 in one event-loop task with one flush, so no
    /// scheduling delay of the calling task can fall between them (a true burst).
    public func send(burst datagrams: [[UInt8]], toPort port: Int) async throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let channel = self.channel
        try await channel.eventLoop.flatSubmit {
            let writes = datagrams.map {
                channel.write(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: $0)))
            }
            channel.flush()
            return EventLoopFuture.andAllSucceed(writes, on: channel.eventLoop)
        }.get()
    }

    /// Closes the socket.
    public func close() async {
        try? await channel.close()
    }
}

private final class RecordingHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let received: NIOLockedValueBox<[UDPEndpoint.Datagram]>

    init(received: NIOLockedValueBox<[UDPEndpoint.Datagram]>) { self.received = received }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let datagram = UDPEndpoint.Datagram(
            time: .now, bytes: Array(envelope.data.readableBytesView), source: envelope.remoteAddress)
        received.withLockedValue { $0.append(datagram) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
