import NIOCore
import NIOPosix

/// Runs work after the event loop's next pass over its sockets. NIO alternates a pass over the
/// ready sockets with a pass over its tasks, and a task that falls due while tasks run (a media
/// clock tick after the thread was descheduled, or after a long tick) runs in that same pass:
/// a reorder deadline checked there can pass while the caller's packet sits unread in its
/// socket, and the packet then counts as late. A datagram to itself on loopback puts this
/// socket in the loop's next socket pass; the work runs as a task right after that pass, when
/// every socket that had data has been read. It is given the time of that pass: the thread may
/// stall again between the pass and the task, and deadlines must be judged as of the last time
/// the sockets were read, not later.
///
/// Confined to its event loop. Until the socket is bound (or if it cannot be), work runs at once.
final class LoopWakeup: @unchecked Sendable {
    private let eventLoop: any EventLoop
    private let work: (NIODeadline) -> Void
    private var channel: (any Channel)?
    private var binding = false
    /// When the datagram in flight was sent (`nil`: none).
    private var pendingSince: NIODeadline?
    /// A datagram not back after this long is given up (the work runs without it).
    private static let patience = TimeAmount.milliseconds(50)

    /// Creates an unbound wake-up for `eventLoop` that runs `work` (on the loop) with the time
    /// of the socket pass.
    init(eventLoop: any EventLoop, work: @escaping (NIODeadline) -> Void) {
        self.eventLoop = eventLoop
        self.work = work
    }

    /// Asks for `work` after the loop's next socket pass (once, however often it is asked
    /// before then).
    func request() {
        eventLoop.assertInEventLoop()
        guard let channel, let address = channel.localAddress else {
            bind()
            work(eventLoop.now)
            return
        }
        if let since = pendingSince {
            guard eventLoop.now - since > Self.patience else { return }
            pendingSince = nil  // lost: do not wait for it forever
            work(eventLoop.now)
            return
        }
        pendingSince = eventLoop.now
        var byte = channel.allocator.buffer(capacity: 1)
        byte.writeInteger(UInt8(0))
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: byte), promise: nil)
    }

    /// The datagram came back in a socket pass: run the work after the pass.
    fileprivate func woke() {
        let pass = NIODeadline.now()
        eventLoop.assumeIsolated().execute { [self] in
            guard pendingSince != nil else { return }
            pendingSince = nil
            work(pass)
        }
    }

    /// Binds the socket now (on the loop), so that it exists from the start rather than
    /// appearing with the first call.
    func prepare() {
        eventLoop.assertInEventLoop()
        bind()
    }

    private func bind() {
        guard !binding else { return }
        binding = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        DatagramBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WakeupHandler(wakeup: bound.value))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .assumeIsolated()
            .whenSuccess { channel in bound.value.channel = channel }
    }
}

private final class WakeupHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let wakeup: LoopWakeup

    init(wakeup: LoopWakeup) { self.wakeup = wakeup }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        wakeup.woke()
    }
}
