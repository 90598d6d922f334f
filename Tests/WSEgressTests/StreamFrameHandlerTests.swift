import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import WSEgress

/// The stream's inbound pipeline on an embedded channel: bytes in as the socket reads them,
/// control frames out, events and the close reason to the delegate.
@Suite struct StreamFrameHandlerTests {
    final class Recorder: StreamConnectionDelegate {
        var events: [String] = []
        var malformed = 0
        var closed: StreamCloseReason?
        func streamReceived(_ event: InboundEvent) { events.append("\(event)".prefix { $0 != "(" }.description) }
        func streamReceivedMalformed(_ error: StreamProtocolError) { malformed += 1 }
        func streamClosed(_ reason: StreamCloseReason) { closed = reason }
    }

    /// Sits at the socket's end of the pipeline and counts the outbound user events that get there.
    final class HeadEvents: ChannelOutboundHandler {
        typealias OutboundIn = WebSocketFrame
        var count = 0
        func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
            count += 1
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    static func channel(_ recorder: Recorder, keepalive: TimeAmount? = nil, head: HeadEvents? = nil) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        if let head { try channel.pipeline.syncOperations.addHandler(head) }
        let handler = StreamFrameHandler(delegate: recorder, dialect: .vobiz, maximumMessageSize: 1 << 20)
        try channel.pipeline.syncOperations.addHandler(handler)
        if let keepalive { try channel.pipeline.syncOperations.addHandler(StreamKeepaliveHandler(interval: keepalive)) }
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    static func text(_ json: String) -> [UInt8] { ServerFrameReaderTests.frame(0x81, Array(json.utf8)) }

    @Test("events split across reads arrive whole; a ping is answered with its payload")
    func eventsAndPing() throws {
        let recorder = Recorder()
        let channel = try Self.channel(recorder)
        let play = Self.text(#"{"event":"playAudio","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"////"}}"#)
        let clear = Self.text(#"{"event":"clearAudio"}"#)
        let bytes = play + clear + ServerFrameReaderTests.frame(0x89, [7, 8, 9]) + Self.text("not json")
        try channel.writeInbound(ByteBuffer(bytes: bytes[..<10]))
        #expect(recorder.events.isEmpty)
        try channel.writeInbound(ByteBuffer(bytes: bytes[10...]))
        #expect(recorder.events == ["playAudio", "clearAudio"])
        #expect(recorder.malformed == 1)
        let pong = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(pong.opcode == .pong && pong.data == ByteBuffer(bytes: [7, 8, 9]))
        _ = try? channel.finish()
    }

    @Test("a masked frame: Close 1002 out, the connection closed, the stream reported broken, nothing after it read")
    func protocolError() throws {
        let recorder = Recorder()
        let channel = try Self.channel(recorder)
        let masked: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        try channel.writeInbound(ByteBuffer(bytes: masked + Self.text(#"{"event":"clearAudio"}"#)))
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        var body = close.data
        #expect(close.opcode == .connectionClose && body.readInteger(as: UInt16.self) == 1002)
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
        guard case .protocolError(let code, _)? = recorder.closed else {
            Issue.record("closed: \(String(describing: recorder.closed))")
            return
        }
        #expect(code == 1002)
        #expect(recorder.events.isEmpty)
    }

    @Test("the server's Close is echoed and ends the stream with its code")
    func remoteClose() throws {
        let recorder = Recorder()
        let channel = try Self.channel(recorder)
        try channel.writeInbound(ByteBuffer(bytes: ServerFrameReaderTests.frame(0x88, [0x03, 0xE8]) + Self.text(#"{"event":"clearAudio"}"#)))
        let reply = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        var body = reply.data
        #expect(reply.opcode == .connectionClose && body.readInteger(as: UInt16.self) == 1000)
        channel.embeddedEventLoop.run()
        #expect(recorder.closed == .remoteClose(code: 1000))
        #expect(recorder.events.isEmpty, "nothing is read after a Close (RFC 6455 §5.5.1)")
    }

    @Test("keepalive behind the frame handler: a pong resets it, two unanswered pings end the stream, the timeout stays inside")
    func keepalive() throws {
        let recorder = Recorder()
        let head = HeadEvents()
        let channel = try Self.channel(recorder, keepalive: .seconds(1), head: head)
        func pings() throws -> Int {
            var count = 0
            while let frame = try channel.readOutbound(as: WebSocketFrame.self) { if frame.opcode == .ping { count += 1 } }
            return count
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try pings() == 2)
        try channel.writeInbound(ByteBuffer(bytes: ServerFrameReaderTests.frame(0x8A, [])))
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try pings() == 2, "the pong reset the count: no timeout yet")
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(recorder.closed == .keepaliveTimeout)
        #expect(head.count == 0, "the frame handler keeps the timeout: the socket would refuse it")
    }
}
