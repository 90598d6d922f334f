import NIOCore

/// Reads the AI server's WebSocket frames (RFC 6455 §5.2) in the bytes as NIO read them: a
/// message's payload is a slice of the read buffer, and no frame value or pipeline hop is
/// made for it (NIO's decoder, error handler and aggregator were three hops and a `malloc`
/// per `playAudio`). Fragmented messages (§5.4) are joined, with control frames (§5.5) allowed
/// between their fragments.
struct ServerFrameReader {
    /// A whole message from the server.
    enum Message {
        /// A text or binary message (spec §2: either may carry the JSON).
        case data(ByteBuffer)
        /// A Ping (§5.5.2), answered with its payload.
        case ping(ByteBuffer)
        /// A Pong (§5.5.3).
        case pong
        /// A Close (§5.5.1) and its body (status code, reason).
        case close(ByteBuffer)
    }

    /// The server broke the protocol; the bridge closes with `code` (§7.4.1).
    struct Failure: Error, Equatable, CustomStringConvertible {
        /// 1002 (protocol error) or 1009 (message too big).
        let code: UInt16
        let description: String

        static func protocolError(_ description: String) -> Failure { Failure(code: 1002, description: description) }
        static func tooBig(_ description: String) -> Failure { Failure(code: 1009, description: description) }
    }

    /// The largest message, joined fragments included (`StreamConnectOptions.maximumMessageSize`).
    let maximumMessageSize: Int
    /// At most this many fragments per message (NIO's aggregator had the same bound).
    static let maximumFragments = 1024

    /// Bytes read and not yet taken as frames; nil once consumed, so NIO can reuse its buffer.
    private var pending: ByteBuffer?
    /// The fragments of a message so far (§5.4).
    private var fragments: ByteBuffer?
    private var fragmentCount = 0

    init(maximumMessageSize: Int) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// Takes the bytes of the next read.
    mutating func append(_ bytes: ByteBuffer) {
        if pending == nil {
            pending = bytes
        } else {
            pending!.writeImmutableBuffer(bytes)  // a frame split across reads: rare
        }
    }

    /// The next whole message, or nil until more bytes arrive.
    mutating func next() throws(Failure) -> Message? {
        while let frame = try nextFrame() {
            if let message = try message(from: frame) { return message }
        }
        return nil
    }

    private struct Frame {
        var fin: Bool
        var opcode: UInt8
        var payload: ByteBuffer
    }

    private mutating func nextFrame() throws(Failure) -> Frame? {
        guard var bytes = pending else { return nil }
        guard bytes.readableBytes >= 2, let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self),
            let second = bytes.getInteger(at: bytes.readerIndex + 1, as: UInt8.self)
        else { return nil }
        let fin = first & 0x80 != 0
        let opcode = first & 0x0F
        guard first & 0x70 == 0 else { throw .protocolError("reserved bits set without an extension (§5.2)") }
        guard second & 0x80 == 0 else { throw .protocolError("masked frame from the server (§5.1)") }
        var headerSize = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = bytes.getInteger(at: bytes.readerIndex + 2, as: UInt16.self) else { return nil }
            headerSize = 4
            length = Int(extended)
        } else if length == 127 {
            guard let extended = bytes.getInteger(at: bytes.readerIndex + 2, as: UInt64.self) else { return nil }
            guard extended >> 63 == 0 else { throw .protocolError("payload length with its top bit set (§5.2)") }
            headerSize = 10
            length = extended > UInt64(Int.max) ? Int.max : Int(extended)
        }
        switch opcode {
        case 0x0, 0x1, 0x2:
            guard length <= maximumMessageSize else { throw .tooBig("frame of \(length) bytes") }
        case 0x8, 0x9, 0xA:
            guard fin else { throw .protocolError("fragmented control frame (§5.5)") }
            guard length <= 125 else { throw .protocolError("control frame of \(length) bytes (§5.5)") }
        default:
            throw .protocolError("reserved opcode \(opcode) (§5.2)")
        }
        guard bytes.readableBytes - headerSize >= length else { return nil }
        bytes.moveReaderIndex(forwardBy: headerSize)
        let payload = bytes.readSlice(length: length)!
        pending = bytes.readableBytes == 0 ? nil : bytes
        return Frame(fin: fin, opcode: opcode, payload: payload)
    }

    private mutating func message(from frame: Frame) throws(Failure) -> Message? {
        switch frame.opcode {
        case 0x1, 0x2:
            guard fragments == nil else { throw .protocolError("a new message inside a fragmented one (§5.4)") }
            if frame.fin { return .data(frame.payload) }
            fragments = frame.payload
            fragmentCount = 1
            return nil
        case 0x0:
            guard var joined = fragments else { throw .protocolError("continuation frame without a message (§5.4)") }
            fragments = nil  // `joined` holds the only reference: appending does not copy it again
            guard joined.readableBytes + frame.payload.readableBytes <= maximumMessageSize else {
                throw .tooBig("fragmented message over \(maximumMessageSize) bytes")
            }
            fragmentCount += 1
            guard fragmentCount <= Self.maximumFragments else { throw .tooBig("more than \(Self.maximumFragments) fragments") }
            joined.writeImmutableBuffer(frame.payload)
            if frame.fin { return .data(joined) }
            fragments = joined
            return nil
        case 0x8: return .close(frame.payload)
        case 0x9: return .ping(frame.payload)
        default: return .pong
        }
    }
}
