import NIOCore

/// Splits a TCP or TLS byte stream into SIP messages (RFC 3261 §18.3): a message is its
/// header up to the empty line plus `Content-Length` bytes of body (the field is mandatory on
/// streams; a message without it has no body). CRLFs between messages are skipped (§7.5); a
/// double-CRLF keepalive ping is answered with a single CRLF pong (RFC 5626 §3.5.1).
///
/// A header longer than `maximumMessageSize` or a body announced larger than it is an error:
/// the connection is closed, since the stream cannot be re-synchronised.
struct SIPStreamFramer: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// RFC 3261 §18.1.1's UDP bound, also used for streams.
    static let maximumMessageSize = 65_536

    enum FramingError: Error, Equatable {
        case headerTooLong
        case badContentLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var crlfs = 0
        while let byte = buffer.getInteger(at: buffer.readerIndex + crlfs, as: UInt8.self), byte == 0x0D || byte == 0x0A {
            crlfs += 1
        }
        if crlfs > 0 {
            // A ping is CRLFCRLF; lone CRLFs are just skipped.
            if crlfs >= 4 { context.writeAndFlush(NIOAny(ByteBuffer(string: "\r\n")), promise: nil) }
            buffer.moveReaderIndex(forwardBy: crlfs)
            return .continue
        }
        let view = buffer.readableBytesView
        guard let end = Self.endOfHeader(in: view) else {
            if buffer.readableBytes > Self.maximumMessageSize { throw FramingError.headerTooLong }
            return .needMoreData
        }
        let headerLength = end - view.startIndex
        let length = try Self.contentLength(in: view[view.startIndex..<end])
        guard buffer.readableBytes >= headerLength + length else { return .needMoreData }
        context.fireChannelRead(NIOAny(buffer.readSlice(length: headerLength + length)!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A truncated message at the close is dropped.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    /// The index just after the header's blank line (CRLFCRLF), if present.
    static func endOfHeader(in view: ByteBufferView) -> Int? {
        var index = view.startIndex
        while index + 3 < view.endIndex {
            if view[index] == 0x0D && view[index + 1] == 0x0A && view[index + 2] == 0x0D && view[index + 3] == 0x0A {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    /// The `Content-Length` (or compact `l`) value of a header block; 0 when absent.
    static func contentLength(in header: ByteBufferView.SubSequence) throws -> Int {
        let text = String(decoding: header, as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true).dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingSpaces().lowercased()
            guard name == "content-length" || name == "l" else { continue }
            guard let value = Int(line[line.index(after: colon)...].trimmingSpaces()), (0...maximumMessageSize).contains(value)
            else { throw FramingError.badContentLength }
            return value
        }
        return 0
    }
}
