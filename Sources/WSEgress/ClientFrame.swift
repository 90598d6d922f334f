public import NIOCore

/// Client-to-server WebSocket frames built where the message already lies (RFC 6455 §5.2):
/// the header goes into room kept free in front of the message, and the payload is masked in
/// place (§5.3). A `media` event then leaves as one buffer — one `iovec` — and passes no channel
/// handler on its way to the socket (or to TLS), where a `WebSocketFrame` passes the stream's
/// handlers and NIO's frame encoder, which writes the header into a buffer of its own and masks
/// byte by byte.
public enum ClientFrame {
    /// Room for the longest client frame header: two bytes, a 64-bit extended payload length
    /// and the 4-byte masking key (§5.2).
    public static let headroom = 14

    /// A buffer for one message: `capacity` writable bytes after `headroom` reserved ones.
    public static func messageBuffer(capacity: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: headroom + capacity)
        buffer.moveWriterIndex(forwardBy: headroom)
        buffer.moveReaderIndex(forwardBy: headroom)
        return buffer
    }

    /// The same in `empty`, an emptied buffer with room for `headroom` + the message
    /// (`SpentBuffer.take(minimumCapacity:)`).
    static func messageBuffer(in empty: consuming ByteBuffer) -> ByteBuffer {
        empty.moveWriterIndex(forwardBy: headroom)
        empty.moveReaderIndex(forwardBy: headroom)
        return empty
    }

    /// Whether `message` has room for any header in front of its readable bytes.
    static func fits(_ message: ByteBuffer) -> Bool { message.readerIndex >= headroom }

    /// Turns the readable bytes of `message` into one final, masked frame.
    /// - Parameters:
    ///   - message: the payload, with `headroom` bytes free before its reader index; on return its
    ///     readable bytes are the whole frame.
    ///   - opcode: the frame's opcode (§5.2: 0x1 text, 0x2 binary).
    ///   - maskingKey: four random bytes, in memory order (§5.3: fresh for every frame).
    /// - Precondition: `fits(message)`.
    static func frame(_ message: inout ByteBuffer, opcode: UInt8, maskingKey: UInt32) {
        precondition(fits(message), "no room for the frame header")
        let length = message.readableBytes
        mask(&message, key: maskingKey)
        // §5.2: 7-bit length, or 126 + 16 bits, or 127 + 64 bits (network byte order).
        let lengthBytes = length <= 125 ? 0 : length <= 0xFFFF ? 2 : 8
        let start = message.readerIndex - (2 + lengthBytes + 4)
        message.moveReaderIndex(to: start)
        message.withUnsafeMutableReadableBytes { header in
            header[0] = 0x80 | (opcode & 0x0F)  // FIN, no extensions
            switch lengthBytes {
            case 0:
                header[1] = 0x80 | UInt8(length)
            case 2:
                header[1] = 0x80 | 126
                header.storeBytes(of: UInt16(length).bigEndian, toByteOffset: 2, as: UInt16.self)
            default:
                header[1] = 0x80 | 127
                header.storeBytes(of: UInt64(length).bigEndian, toByteOffset: 2, as: UInt64.self)
            }
            header.storeBytes(of: maskingKey, toByteOffset: 2 + lengthBytes, as: UInt32.self)
        }
    }

    /// XORs the readable bytes with the masking key repeated (§5.3: octet i with key octet
    /// i mod 4), eight bytes at a time.
    static func mask(_ message: inout ByteBuffer, key: UInt32) {
        let pattern = UInt64(key) | UInt64(key) << 32
        message.withUnsafeMutableReadableBytes { bytes in
            var index = 0
            while index + 8 <= bytes.count {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                bytes.storeBytes(of: word ^ pattern, toByteOffset: index, as: UInt64.self)
                index += 8
            }
            withUnsafeBytes(of: key) { keyBytes in
                while index < bytes.count {
                    bytes[index] ^= keyBytes[index & 3]
                    index += 1
                }
            }
        }
    }
}
