import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The AI server side of the load test: a WebSocket server that speaks the Vobiz stream
/// protocol like a voice agent that talks back: it echoes every caller frame at once as
/// `playAudio` (restamped with its own send time), stays silent for 500 ms now and then (the
/// next echo measures the first frame after idle), sends a checkpoint every 50 frames, and once
/// per 10 s queues a second of audio and clears it 200 ms later (clear → silence).
enum Agent {
    /// Starts the server on 127.0.0.1 and returns its port.
    static func start(group: any EventLoopGroup, measurements: Measurements) async throws -> (any Channel, Int) {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 20,
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(AgentHandler(measurements: measurements))
                        }
                    })
                return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, channel.localAddress?.port ?? 0)
    }
}

/// One stream. Runs on its channel's event loop.
final class AgentHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// The per-call cycle, in caller frames (10 s), and its phases.
    static let cycle = 500
    static let idle = 200..<225
    static let clearAt = 400
    static let clearDelayFrames = 10
    static let quietAfterClear = 400..<430

    private let measurements: Measurements
    private var streamID = ""
    private var call: UInt32?
    private var lastSequence: UInt32?
    private var framesSeen = 0
    private var echoed = 0
    private var silentBefore = true
    private var clears: UInt32 = 0

    init(measurements: Measurements) { self.measurements = measurements }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            WireText.unmasked(frame).withUnsafeReadableBytes { handle($0, context: context) }
        case .ping:
            send(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData), context: context)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    private static let eventKey = WireText.key("event")
    private static let streamIDKey = WireText.key("streamId")
    private static let payloadKey = WireText.key("payload")
    private static let events = (
        media: Array("media".utf8), start: Array("start".utf8), playedStream: Array("playedStream".utf8),
        clearedAudio: Array("clearedAudio".utf8))

    private func handle(_ text: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        guard let event = WireText.field(Self.eventKey, in: text) else {
            measurements.count { $0.malformedMessages += 1 }
            return
        }
        if WireText.equals(text, event, Self.events.media) {
            media(text, context: context)
        } else if WireText.equals(text, event, Self.events.start) {
            streamID = WireText.field(Self.streamIDKey, in: text).map { String(decoding: UnsafeRawBufferPointer(rebasing: text[$0]), as: UTF8.self) } ?? ""
        } else if WireText.equals(text, event, Self.events.playedStream) {
            measurements.count { $0.playedStreamEvents += 1 }
        } else if WireText.equals(text, event, Self.events.clearedAudio) {
            measurements.count { $0.clearedAudioEvents += 1 }
        }
    }

    private func media(_ text: UnsafeRawBufferPointer, context: ChannelHandlerContext) {
        let now = LoadClock.now
        // A frame without a caller stamp at its start is concealment (or audio re-framed off
        // the stamp grid); so is a "stamp" of another call or one that jumps more than a minute
        // ahead: random bytes pass the check byte once in 256.
        guard let payload = WireText.field(Self.payloadKey, in: text),
            let stamp = Stamp(WireText.decodeBase64(text, payload.lowerBound..<min(payload.upperBound, payload.lowerBound + Stamp.base64Prefix))),
            stamp.kind == .caller, call == nil || stamp.call == call,
            lastSequence.map({ stamp.sequence &- $0 < 3000 || stamp.sequence <= $0 }) ?? true
        else { return measurements.count { $0.concealedFramesReceived += 1 } }
        // A gap in the caller's frame numbers: frames the bridge concealed (lost or late).
        let lost = lastSequence.map { stamp.sequence > $0 &+ 1 ? Int(stamp.sequence &- $0 &- 1) : 0 } ?? 0
        lastSequence = max(lastSequence ?? 0, stamp.sequence)
        call = stamp.call
        framesSeen += 1
        let phase = (framesSeen + Int(stamp.call) * 37) % Self.cycle
        let echoes = phase != Self.clearAt && !Self.idle.contains(phase) && !Self.quietAfterClear.contains(phase)
        measurements.agentReceived(latency: now &- stamp.time, lost: lost, echoed: echoes)
        if phase == Self.clearAt {
            queueAndClear(call: stamp.call, context: context)
            return
        }
        guard echoes else {
            silentBefore = true
            return
        }
        let kind: Stamp.Kind = silentBefore ? .firstAfterIdle : .echo
        silentBefore = false
        play(Stamp(kind: kind, call: stamp.call, sequence: stamp.sequence, time: LoadClock.now).frame(), context: context)
        echoed += 1
        if echoed % 50 == 0 {
            send(text: #"{"event":"checkpoint","streamId":"\#(streamID)","name":"e\#(echoed)"}"#, context: context)
            measurements.count { $0.checkpointsSent += 1 }
        }
    }

    /// One second of audio, then `clearAudio` 200 ms later.
    private func queueAndClear(call: UInt32, context: ChannelHandlerContext) {
        clears += 1
        let number = clears
        var audio: [UInt8] = []
        audio.reserveCapacity(8000)
        for _ in 0..<50 { audio += Stamp(kind: .beforeClear, call: call, sequence: number, time: LoadClock.now).frame() }
        play(audio, context: context)
        send(text: #"{"event":"checkpoint","streamId":"\#(streamID)","name":"clear-\#(number)"}"#, context: context)
        let streamID = streamID
        let measurements = measurements
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(Self.clearDelayFrames * 20))) {
            let context = loopBound.value
            guard context.channel.isActive else { return }
            measurements.clearSent(call: call, number: number, at: LoadClock.now)
            measurements.count { $0.clearsSent += 1 }
            self.send(text: #"{"event":"clearAudio","streamId":"\#(streamID)"}"#, context: context)
        }
        silentBefore = true
    }

    private func play(_ audio: [UInt8], context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 120 + streamID.utf8.count + (audio.count + 2) / 3 * 4)
        buffer.writeStaticString(#"{"event":"playAudio","streamId":""#)
        buffer.writeString(streamID)
        buffer.writeStaticString(#"","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":""#)
        WireText.writeBase64(audio, into: &buffer)
        buffer.writeStaticString(#""}}"#)
        send(WebSocketFrame(fin: true, opcode: .text, data: buffer), context: context)
    }

    private func send(text: String, context: ChannelHandlerContext) {
        send(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text)), context: context)
    }

    private func send(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }
}
