import NIOCore
import Testing

@testable import WSEgress

/// `ServerFrameReader` against RFC 6455 §5.7's example frames and every §5.2/§5.4/§5.5 rule a
/// server can break, with the bytes delivered whole, split and one at a time.
@Suite struct ServerFrameReaderTests {
    /// A server frame (unmasked): FIN/RSV/opcode byte, then the shortest length encoding.
    static func frame(_ first: UInt8, _ payload: [UInt8], lengthForm: Int? = nil) -> [UInt8] {
        var bytes = [first]
        switch lengthForm ?? (payload.count < 126 ? 7 : payload.count < 65_536 ? 16 : 64) {
        case 7: bytes.append(UInt8(payload.count))
        case 16: bytes += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: bytes += [127] + (0..<8).reversed().map { UInt8((UInt64(payload.count) >> ($0 * 8)) & 0xFF) }
        }
        return bytes + payload
    }

    /// What the reader makes of `bytes` fed in pieces of `chunk` bytes (0: all at once).
    static func read(_ bytes: [UInt8], chunk: Int = 0, maximum: Int = 1 << 20) -> ([String], ServerFrameReader.Failure?) {
        var reader = ServerFrameReader(maximumMessageSize: maximum)
        var seen: [String] = []
        let size = chunk == 0 ? max(1, bytes.count) : chunk
        do {
            for start in stride(from: 0, to: bytes.count, by: size) {
                reader.append(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + size)]))
                while let message = try reader.next() {
                    switch message {
                    case .data(let payload): seen.append("data:" + String(buffer: payload))
                    case .ping(let payload): seen.append("ping:" + String(buffer: payload))
                    case .pong: seen.append("pong")
                    case .close(var payload): seen.append("close:\(payload.readInteger(as: UInt16.self).map(String.init) ?? "-")")
                    }
                }
            }
        } catch {
            return (seen, error)
        }
        return (seen, nil)
    }

    @Test("RFC 6455 §5.7: a text frame, a fragmented one, a ping, whole, split and byte by byte", arguments: [0, 3, 1])
    func examples(chunk: Int) {
        let single: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]
        let fragmented: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F]
        let ping: [UInt8] = [0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]
        let (seen, failure) = Self.read(single + fragmented + ping, chunk: chunk)
        #expect(failure == nil)
        #expect(seen == ["data:Hello", "data:Hello", "ping:Hello"])
    }

    @Test("control frames between fragments; 16- and 64-bit lengths; binary; pong; close", arguments: [0, 1, 1000])
    func interleavedAndLong(chunk: Int) {
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 300)
        let huge = [UInt8](repeating: UInt8(ascii: "b"), count: 70_000)
        var bytes = Self.frame(0x01, Array("{\"a\":".utf8))
        bytes += Self.frame(0x8A, [])  // pong inside the message
        bytes += Self.frame(0x89, [1, 2])  // ping inside the message
        bytes += Self.frame(0x80, Array("1}".utf8))
        bytes += Self.frame(0x82, big) + Self.frame(0x82, huge) + Self.frame(0x82, Array("x".utf8), lengthForm: 64)
        bytes += Self.frame(0x88, [0x03, 0xE8])
        let (seen, failure) = Self.read(bytes, chunk: chunk)
        #expect(failure == nil)
        #expect(seen == ["pong", "ping:\u{1}\u{2}", "data:{\"a\":1}", "data:" + String(repeating: "a", count: 300),
            "data:" + String(repeating: "b", count: 70_000), "data:x", "close:1000"])
    }

    @Test("what a server must not send closes the stream with 1002", arguments: [
        ([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58] as [UInt8], "masked"),  // §5.7's masked "Hello"
        ([0xC1, 0x00], "reserved bits"),
        ([0x83, 0x00], "reserved opcode"),
        ([0x09, 0x00], "fragmented control frame"),
        (frame(0x89, [UInt8](repeating: 0, count: 126)), "control frame of 126 bytes"),
        ([0x80, 0x01, 0x41], "continuation without a message"),
        (frame(0x01, [0x41]) + frame(0x81, [0x42]), "new message inside a fragmented one"),
        ([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1], "length with the top bit"),
    ])
    func protocolErrors(bytes: [UInt8], what: String) {
        let (_, failure) = Self.read(bytes)
        #expect(failure?.code == 1002, "\(what)")
    }

    @Test("a message over the limit closes with 1009 as soon as its length is read, fragmented or not")
    func tooBig() {
        // Only the header of a 2 000-byte frame: refused before its payload arrives.
        #expect(Self.read([0x82, 0x7E, 0x07, 0xD0], maximum: 1_000).1?.code == 1009)
        let parts = Self.frame(0x02, [UInt8](repeating: 1, count: 600)) + Self.frame(0x80, [UInt8](repeating: 1, count: 600))
        #expect(Self.read(parts, maximum: 1_000).1?.code == 1009)
        // Exactly at the limit is fine.
        let (seen, failure) = Self.read(Self.frame(0x02, [UInt8](repeating: 1, count: 500)) + Self.frame(0x80, [UInt8](repeating: 1, count: 500)), maximum: 1_000)
        #expect(failure == nil && seen.count == 1)
        var many = Self.frame(0x01, [0x41])
        for _ in 0..<ServerFrameReader.maximumFragments { many += Self.frame(0x00, [0x41]) }
        #expect(Self.read(many).1?.code == 1009)
    }

    @Test("a frame's payload is a slice of the read, not a copy")
    func payloadIsASlice() throws {
        var read = ByteBuffer(bytes: Self.frame(0x81, Array("{\"event\":\"x\"}".utf8)))
        read.reserveCapacity(4096)
        var reader = ServerFrameReader(maximumMessageSize: 1 << 20)
        let base = read.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        reader.append(read)
        guard case .data(let payload)? = try reader.next() else { Issue.record("no message"); return }
        #expect(payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == base + 2)
        #expect(try reader.next() == nil, "nothing more")
    }
}
