import NIOCore
import Testing

@testable import WSEgress

/// `playAudio` payloads decoded into the previous payload's storage once it is no longer held,
/// and a repeated `streamId` returned as the same string (`InboundEventParser.Recycling`).
/// Storage is told apart by capacity: a reused buffer keeps a large earlier payload's, a new one
/// gets the small size asked.
struct PayloadReuseTests {
    /// A `playAudio` frame whose payload decodes to `bytes`.
    static func frame(_ bytes: [UInt8], streamId: String = "6f1c2b9e-3d4a-4f0b-8e2d-5a7c9b1e0d3f") -> ByteBuffer {
        var encoded = ByteBuffer()
        Base64.encode(ByteBuffer(bytes: bytes), into: &encoded)
        return ByteBuffer(
            string: #"{"event":"playAudio","streamId":"\#(streamId)","media":{"payload":"\#(String(buffer: encoded))"}}"#)
    }

    static func payload(of event: InboundEvent) -> ByteBuffer? {
        guard case .playAudio(let play) = event else { return nil }
        return play.payload
    }

    static func parse(_ bytes: [UInt8], reusing recycling: inout InboundEventParser.Recycling) throws -> ByteBuffer {
        let event = try InboundEventParser.parse(frame(bytes), dialect: .vobiz, allocator: ByteBufferAllocator(), recycling: &recycling)
        return try #require(payload(of: event))
    }

    @Test func theNextPayloadReusesAReleasedOnesStorage() throws {
        var spent = InboundEventParser.Recycling()
        let large = (0..<1_000).map { UInt8(truncatingIfNeeded: $0) }
        var first: ByteBuffer? = try Self.parse(large, reusing: &spent)
        #expect(first.map { Array($0.readableBytesView) } == large)
        #expect(spent.payload.holdsBuffer)
        first = nil
        let second = try Self.parse([1, 2, 3], reusing: &spent)
        #expect(Array(second.readableBytesView) == [1, 2, 3])
        #expect(second.capacity >= 1_000, "decoded into the first payload's storage")
    }

    @Test func aPayloadStillHeldIsNeitherOverwrittenNorReused() throws {
        var spent = InboundEventParser.Recycling()
        let large = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let first = try Self.parse(large, reusing: &spent)
        let second = try Self.parse([9, 8, 7], reusing: &spent)
        #expect(Array(first.readableBytesView) == large, "untouched")
        #expect(Array(second.readableBytesView) == [9, 8, 7])
        #expect(second.capacity < 1_000, "storage of its own")
    }

    /// A large payload (here 5 000 bytes, a long prompt) does not stay with the connection.
    @Test func largePayloadsAreNotKept() throws {
        var spent = InboundEventParser.Recycling()
        _ = try Self.parse(Array(repeating: 0x7F, count: 5_000), reusing: &spent)
        #expect(!spent.payload.holdsBuffer)
        _ = try Self.parse(Array(repeating: 0x7F, count: 160), reusing: &spent)
        #expect(spent.payload.holdsBuffer)
    }

    /// A stream repeats its `streamId` in every frame: the string decoded for the first frame is
    /// returned again (the same storage, no allocation); a different one is decoded anew.
    @Test func aRepeatedStreamIdIsTheSameString() throws {
        var recycling = InboundEventParser.Recycling()
        func streamId(_ id: String) throws -> String {
            let event = try InboundEventParser.parse(
                Self.frame([1], streamId: id), dialect: .vobiz, allocator: ByteBufferAllocator(), recycling: &recycling)
            guard case .playAudio(let play) = event else { throw StreamProtocolError.notAnObject }
            return try #require(play.streamId)
        }
        func storage(_ string: String) -> UnsafePointer<UInt8>? {
            var string = string
            return string.withUTF8 { $0.baseAddress }
        }
        let id = "6f1c2b9e-3d4a-4f0b-8e2d-5a7c9b1e0d3f"
        let first = try streamId(id)
        let second = try streamId(id)
        #expect(second == id)
        #expect(storage(second) == storage(first), "the first frame's string, returned again")
        let other = try streamId("0b7d5e3c-1a2f-4e6d-9c8b-7a6f5e4d3c2b")
        #expect(other == "0b7d5e3c-1a2f-4e6d-9c8b-7a6f5e4d3c2b")
        #expect(storage(other) != storage(first))
        #expect(try streamId(#"6f1c2b9e\u002d3d4a-4f0b-8e2d-5a7c9b1e0d3f"#) == id, "escaped: decoded, same value")
    }
}
