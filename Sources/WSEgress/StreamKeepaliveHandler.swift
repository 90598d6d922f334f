import NIOCore
import NIOWebSocket

/// The AI server stopped answering pings: the stream is dead though TCP may not know it yet.
struct StreamKeepaliveTimeout: Sendable {}

/// A Pong arrived (`StreamFrameHandler` tells the keepalive behind it).
struct StreamPongReceived: Sendable {}

/// Liveness of the stream (issue 5): a Ping (RFC 6455 §5.5.2) every `interval`; when two
/// have gone unanswered by a Pong (§5.5.3) at the time the next is due, the connection is
/// closed as dead. A NAT or load balancer that silently dropped the TCP flow is found within
/// three intervals instead of when the kernel gives up minutes later.
///
/// It sits behind `StreamFrameHandler`, which reads the frames: a Pong reaches it as an inbound
/// user event, and its timeout goes back to the frame handler as an outbound one.
final class StreamKeepaliveHandler: ChannelDuplexHandler {
    typealias InboundIn = Never
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let interval: TimeAmount
    private var unanswered = 0
    private var sent: UInt64 = 0
    private var task: Scheduled<Void>?

    init(interval: TimeAmount) {
        self.interval = interval
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        schedule(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        task?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        task?.cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is StreamPongReceived { return unanswered = 0 }
        context.fireUserInboundEventTriggered(event)
    }

    private func schedule(context: ChannelHandlerContext) {
        guard task == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        task = context.eventLoop.scheduleTask(in: interval) {
            let (handler, context) = loopBound.value
            handler.task = nil
            handler.tick(context: context)
        }
    }

    private func tick(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        if unanswered >= 2 {
            context.triggerUserOutboundEvent(StreamKeepaliveTimeout(), promise: nil)
            context.close(promise: nil)
            return
        }
        unanswered += 1
        sent += 1
        var data = context.channel.allocator.buffer(capacity: 8)
        data.writeInteger(sent)
        let ping = WebSocketFrame(fin: true, opcode: .ping, maskKey: .random(), data: data)
        context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
        schedule(context: context)
    }
}
