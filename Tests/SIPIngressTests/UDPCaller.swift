import NIOCore
import NIOPosix
import Synchronization
import Testing
import TestSupport
@testable import SIPIngress

/// The caller's side of the loopback tests: a plain NIO UDP socket on 127.0.0.1 that sends
/// SIP text to the agent and keeps every datagram it receives until a test takes it.
final class UDPCaller: Sendable {
    /// One received datagram, parsed when it is SIP.
    struct Datagram: Sendable {
        let text: String
        let message: SIPMessage?
    }

    private let channel: any Channel
    private let agent: SocketAddress
    private let inbox: Inbox
    /// The caller's UDP port (what the agent sees as the source port).
    let port: Int

    private init(channel: any Channel, agent: SocketAddress, inbox: Inbox) {
        self.channel = channel
        self.agent = agent
        self.inbox = inbox
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(group: any EventLoopGroup, agent: SocketAddress) async throws -> UDPCaller {
        let inbox = Inbox()
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox: inbox))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return UDPCaller(channel: channel, agent: agent, inbox: inbox)
    }

    /// Sends raw bytes to the agent as one datagram.
    func send(_ bytes: [UInt8]) async throws {
        let buffer = channel.allocator.buffer(bytes: bytes)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: agent, data: buffer))
    }

    /// Sends SIP text to the agent as one datagram.
    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Takes the first received SIP message matching `predicate`, waiting up to `timeout`.
    func receive(
        within timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
        where predicate: @escaping (SIPMessage) -> Bool = { _ in true }
    ) async throws -> SIPMessage {
        let datagram = try await eventually(within: timeout) {
            inbox.take { $0.message.map(predicate) ?? false }
        }
        return try #require(datagram?.message, "nothing matching arrived in \(timeout)", sourceLocation: sourceLocation)
    }

    /// Sends a request and takes its first response matching `predicate`, retransmitting the
    /// request as a UAC's non-INVITE client transaction does over UDP (`RetransmissionTimer`)
    /// until `timeout`. Copies of the answer that retransmissions drew and that have arrived by
    /// then are dropped.
    func transact(
        _ text: String, within timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
        where predicate: @escaping (SIPMessage) -> Bool
    ) async throws -> SIPMessage {
        let deadline = ContinuousClock.now + timeout
        var timer = RetransmissionTimer()
        try await send(text)
        while true {
            let wait = min(timer.due, deadline) - ContinuousClock.now
            if let message = try await eventually(within: wait, { inbox.take { $0.message.map(predicate) ?? false } })?.message {
                discard(where: predicate)
                return message
            }
            let now = ContinuousClock.now
            guard now < deadline else { break }
            if timer.fires(at: now) { try await send(text) }
        }
        return try #require(nil as SIPMessage?, "no answer to the request in \(timeout)", sourceLocation: sourceLocation)
    }

    /// Takes the first received datagram, whatever it is, if one arrives within `timeout`.
    func receiveAny(within timeout: Duration) async throws -> Datagram? {
        try await eventually(within: timeout) { inbox.take { _ in true } }
    }

    /// Removes every datagram received so far that matches `predicate`; returns how many.
    @discardableResult
    func discard(where predicate: @escaping (SIPMessage) -> Bool) -> Int {
        var count = 0
        while inbox.take(where: { $0.message.map(predicate) ?? false }) != nil { count += 1 }
        return count
    }

    /// Waits `period` and returns every datagram that arrived meanwhile (for "nothing more").
    func collect(for period: Duration) async throws -> [Datagram] {
        try await Task.sleep(for: period)
        var all: [Datagram] = []
        while let next = inbox.take(where: { _ in true }) { all.append(next) }
        return all
    }

    func close() async throws {
        try await channel.close()
    }
}

/// Datagrams received but not yet taken by the test.
private final class Inbox: Sendable {
    private let datagrams = Mutex<[UDPCaller.Datagram]>([])

    func append(_ datagram: UDPCaller.Datagram) {
        datagrams.withLock { $0.append(datagram) }
    }

    func take(where predicate: (UDPCaller.Datagram) -> Bool) -> UDPCaller.Datagram? {
        datagrams.withLock { list in
            guard let index = list.firstIndex(where: predicate) else { return nil }
            return list.remove(at: index)
        }
    }
}

/// Puts every inbound datagram into the inbox.
private final class InboxHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let inbox: Inbox

    init(inbox: Inbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
        inbox.append(UDPCaller.Datagram(text: String(decoding: bytes, as: UTF8.self), message: try? TestMessages.parse(bytes)))
    }
}
