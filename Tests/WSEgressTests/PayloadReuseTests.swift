import NIOCore
import Testing

@testable import WSEgress

/// `playAudio` payloads decoded into the previous payload's storage once it is no longer held
/// (`InboundEventParser.parse(_:dialect:allocator:reusing:)`). Storage is told apart by
/// capacity: a reused buffer keeps a large earlier payload's, a new one gets the small size asked.
struct PayloadReuseTests {
    /// A `playAudio` frame whose payload decodes to `bytes`.
    static func frame(_ bytes: [UInt8]) -> ByteBuffer {
        var encoded = ByteBuffer()
        Base64.encode(ByteBuffer(bytes: bytes), into: &encoded)
        return ByteBuffer(string: #"{"event":"playAudio","media":{"payload":"\#(String(buffer: encoded))"}}"#)
    }

    static func payload(of event: InboundEvent) -> ByteBuffer? {
        guard case .playAudio(let play) = event else { return nil }
        return play.payload
    }

    static func parse(_ bytes: [UInt8], reusing spent: inout ByteBuffer?) throws -> ByteBuffer {
        let event = try InboundEventParser.parse(frame(bytes), dialect: .vobiz, allocator: ByteBufferAllocator(), reusing: &spent)
        return try #require(payload(of: event))
    }

    @Test func theNextPayloadReusesAReleasedOnesStorage() throws {
        var spent: ByteBuffer?
        let large = (0..<1_000).map { UInt8(truncatingIfNeeded: $0) }
        var first: ByteBuffer? = try Self.parse(large, reusing: &spent)
        #expect(first.map { Array($0.readableBytesView) } == large)
        #expect(spent != nil)
        first = nil
        let second = try Self.parse([1, 2, 3], reusing: &spent)
        #expect(Array(second.readableBytesView) == [1, 2, 3])
        #expect(second.capacity >= 1_000, "decoded into the first payload's storage")
    }

    @Test func aPayloadStillHeldIsNeitherOverwrittenNorReused() throws {
        var spent: ByteBuffer?
        let large = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let first = try Self.parse(large, reusing: &spent)
        let second = try Self.parse([9, 8, 7], reusing: &spent)
        #expect(Array(first.readableBytesView) == large, "untouched")
        #expect(Array(second.readableBytesView) == [9, 8, 7])
        #expect(second.capacity < 1_000, "storage of its own")
    }

    /// A large payload (here 5 000 bytes, a long prompt) does not stay with the connection.
    @Test func largePayloadsAreNotKept() throws {
        var spent: ByteBuffer?
        _ = try Self.parse(Array(repeating: 0x7F, count: 5_000), reusing: &spent)
        #expect(spent == nil)
        _ = try Self.parse(Array(repeating: 0x7F, count: 160), reusing: &spent)
        #expect(spent != nil)
    }
}
