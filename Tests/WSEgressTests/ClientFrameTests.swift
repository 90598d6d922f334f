import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import WSEgress

/// Client frames built in place (RFC 6455 §5.2, §5.3): checked against the RFC's example,
/// against NIO's own frame decoder and byte-wise masking, and on a channel with NIO's encoder.
struct ClientFrameTests {
    /// §5.7: "A single-frame masked text message" — `0x81 0x85 0x37 0xfa 0x21 0x3d 0x7f 0x9f
    /// 0x4d 0x51 0x58` (contains "Hello").
    @Test func theRFCExampleFrame() {
        var message = ClientFrame.messageBuffer(capacity: 5, allocator: ByteBufferAllocator())
        message.writeString("Hello")
        let key = [UInt8]([0x37, 0xfa, 0x21, 0x3d]).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        ClientFrame.frame(&message, opcode: 0x1, maskingKey: key)
        #expect(Array(message.readableBytesView) == [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58])
    }

    /// Every length form (7-bit, 16-bit, 64-bit) and the lengths around the 8-byte masking
    /// steps, decoded by NIO's frame decoder as the server would.
    @Test(arguments: [0, 1, 3, 7, 8, 9, 15, 16, 17, 125, 126, 127, 400, 65535, 65536, 70001])
    func nioDecodesWhatItBuilds(length: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key = UInt32.random(in: 0...UInt32.max, using: &generator)
        var message = ClientFrame.messageBuffer(capacity: length, allocator: ByteBufferAllocator())
        message.writeBytes(payload)
        ClientFrame.frame(&message, opcode: 0x1, maskingKey: key)
        let headerLength = (length <= 125 ? 2 : length <= 65535 ? 4 : 10) + 4
        #expect(message.readableBytes == headerLength + length)

        let server = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        defer { _ = try? server.finish() }
        try server.writeInbound(message)
        let frame = try #require(try server.readInbound(as: WebSocketFrame.self))
        #expect(frame.fin && frame.opcode == .text)
        #expect(frame.maskKey.map(Array.init) == withUnsafeBytes(of: key) { Array($0) })
        #expect(Array(frame.unmaskedData.readableBytesView) == payload)
    }

    /// The word-at-a-time mask equals NIO's byte-by-byte one (§5.3: octet i XOR key octet i mod 4).
    @Test func maskMatchesByteWiseMasking() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let key = UInt32.random(in: 0...UInt32.max, using: &generator)
            var ours = ByteBuffer(bytes: payload)
            ClientFrame.mask(&ours, key: key)
            var nios = ByteBuffer(bytes: payload)
            nios.webSocketMask(WebSocketMaskingKey(withUnsafeBytes(of: key) { Array($0) })!)
            #expect(ours == nios, "length \(length)")
        }
    }

    /// Through a connection on a channel with NIO's encoder: a message from `messageBuffer`
    /// leaves as one buffer (header and payload together, past the encoder); any other buffer
    /// still goes through the encoder as a `WebSocketFrame` (a header buffer, then the payload).
    @Test func aConnectionWritesFramedMessagesPastTheEncoder() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        let connection = StreamConnection(channel: channel)
        var message = connection.messageBuffer(capacity: 16)
        message.writeString(#"{"event":"media"}"#)
        connection.write(text: message)
        connection.write(text: ByteBuffer(string: "plain"))
        connection.flush()

        let framed = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let decoder = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder()))
        defer { _ = try? decoder.finish() }
        try decoder.writeInbound(framed)
        let first = try #require(try decoder.readInbound(as: WebSocketFrame.self))
        #expect(String(buffer: first.unmaskedData) == #"{"event":"media"}"#)
        #expect(try decoder.readInbound(as: WebSocketFrame.self) == nil, "one buffer, one whole frame")

        let header = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let body = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(header.readableBytes == 6 && body.readableBytes == 5, "the encoder's two writes")
        _ = try channel.finish()
    }

    /// A `media` event is masked and framed in the buffer it was written in (no copy), and the
    /// next message is built in the same storage once the socket has let go of it — not while
    /// the socket still holds it. (Storage is told apart by capacity: a reused buffer keeps
    /// the first message's large one, a new buffer gets the small one asked for.)
    @Test func messagesAreFramedInPlaceAndTheirStorageReused() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        let connection = StreamConnection(channel: channel)
        var first = connection.messageBuffer(capacity: 1_000)
        first.writeString(#"{"event":"media","n":1}"#)
        let firstStorage = first.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        connection.writeMedia(text: consume first)
        connection.flush()
        var framed = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(framed.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == firstStorage, "framed in place")
        let sent = Array(framed.readableBytesView)

        // The socket still holds the first frame: the next message gets storage of its own.
        var second = connection.messageBuffer(capacity: 10)
        #expect(second.capacity < 1_000)
        second.writeString(#"{"n":2}"#)
        #expect(Array(framed.readableBytesView) == sent, "the first frame is untouched")
        connection.send(text: consume second)
        _ = try #require(try channel.readOutbound(as: ByteBuffer.self))

        // Once the socket has let go of a frame, its storage takes the next message.
        framed = ByteBuffer()
        var third = connection.messageBuffer(capacity: 1_000)
        third.writeString(#"{"n":3}"#)
        connection.send(text: consume third)
        framed = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let thirdStorage = framed.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        framed = ByteBuffer()
        let fourth = connection.messageBuffer(capacity: 10)
        #expect(fourth.capacity >= 1_000, "the third message's storage, reused")
        #expect(fourth.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == thirdStorage)
        #expect(fourth.readableBytes == 0 && ClientFrame.fits(fourth))
        _ = try channel.finish()
    }
}
