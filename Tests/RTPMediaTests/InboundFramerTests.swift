import NIOCore
import Testing
import TestSupport

@testable import RTPMedia

/// Re-framing the caller's payloads (any `a=ptime`) into 20 ms frames.
@Suite struct InboundFramerTests {
    /// Pushes each payload and returns the frames emitted per push.
    private func push(_ framer: inout InboundFramer, _ payloads: [[UInt8]]) -> [[[UInt8]]] {
        payloads.map { payload in
            var frames: [[UInt8]] = []
            framer.push(ByteBuffer(bytes: payload)) { frames.append($0.bytes) }
            return frames
        }
    }

    /// Splits `bytes` into consecutive chunks of `size`.
    private func chunks(_ bytes: [UInt8], of size: Int) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
    }

    @Test func twentyMillisecondPacketsPassThroughWithoutACopy() {
        var framer = InboundFramer(frameSize: 160)
        for index in 0..<3 {
            let payload = ByteBuffer(bytes: pattern(count: 160, start: index))
            var emitted: [ByteBuffer] = []
            framer.push(payload) { emitted.append($0) }
            #expect(emitted.count == 1)
            #expect(emitted.first == payload)
            #expect(emitted.first?.readableBaseAddress == payload.readableBaseAddress, "same storage")
            #expect(framer.pendingBytes == 0)
        }
    }

    @Test func thirtyMillisecondPacketsCarryTheRemainder() {
        var framer = InboundFramer(frameSize: 160)
        let audio = pattern(count: 240 * 3)
        let frames = push(&framer, chunks(audio, of: 240))
        #expect(frames.map(\.count) == [1, 2, 1])
        #expect(frames.joined().map(\.count).allSatisfy { $0 == 160 })
        #expect(Array(frames.joined().joined()) == Array(audio[0..<640]))
        #expect(framer.pendingBytes == 80)
    }

    @Test func tenMillisecondPacketsCombine() {
        var framer = InboundFramer(frameSize: 160)
        let audio = pattern(count: 80 * 5)
        let frames = push(&framer, chunks(audio, of: 80))
        #expect(frames.map(\.count) == [0, 1, 0, 1, 0])
        #expect(Array(frames.joined().joined()) == Array(audio[0..<320]))
        #expect(framer.pendingBytes == 80)
    }

    @Test func sixtyMillisecondPacketsSplitInThree() {
        var framer = InboundFramer(frameSize: 160)
        let audio = pattern(count: 480 * 2)
        let frames = push(&framer, chunks(audio, of: 480))
        #expect(frames.map(\.count) == [3, 3])
        #expect(Array(frames.joined().joined()) == audio)
        #expect(framer.pendingBytes == 0)
    }

    /// A 20 ms packet arriving while bytes are held back must queue behind them, not jump
    /// the queue through the pass-through path.
    @Test func fullFrameBehindARemainderKeepsOrder() {
        var framer = InboundFramer(frameSize: 160)
        let first = pattern(count: 240)
        let second = pattern(count: 160, start: 240)
        let frames = push(&framer, [first, second])
        #expect(frames[0] == [Array(first[0..<160])])
        #expect(frames[1] == [Array(first[160..<240]) + Array(second[0..<80])])
        #expect(framer.pendingBytes == 80)
    }

    @Test func emptyPayloadEmitsNothing() {
        var framer = InboundFramer(frameSize: 160)
        #expect(push(&framer, [[]]) == [[]])
        #expect(framer.pendingBytes == 0)
    }

    @Test func payloadReaderIndexIsRespected() {
        var framer = InboundFramer(frameSize: 160)
        var payload = ByteBuffer(bytes: [0xEE, 0xEE] + pattern(count: 240))
        payload.moveReaderIndex(forwardBy: 2)
        var frames: [[UInt8]] = []
        framer.push(payload) { frames.append($0.bytes) }
        #expect(frames == [pattern(count: 160)])
    }

    /// Random payload sizes (0…500 bytes) for several frame sizes: every byte comes out, in
    /// order, in frames of exactly `frameSize`, and only the remainder is held back.
    @Test(arguments: [160, 320, 7])
    func arbitrarySizesPreserveEveryByte(frameSize: Int) {
        var rng = SplitMix64(seed: UInt64(frameSize))
        var framer = InboundFramer(frameSize: frameSize)
        var input: [UInt8] = []
        var output: [UInt8] = []
        var badSizes = 0
        for _ in 0..<2_000 {
            let payload = pattern(count: Int.random(in: 0...500, using: &rng), start: input.count)
            input += payload
            framer.push(ByteBuffer(bytes: payload)) { frame in
                if frame.readableBytes != frameSize { badSizes += 1 }
                output += frame.bytes
            }
            if framer.pendingBytes != input.count - output.count { badSizes += 1 }
        }
        #expect(badSizes == 0)
        #expect(output.count == input.count / frameSize * frameSize)
        #expect(output == Array(input[0..<output.count]))
        #expect(framer.pendingBytes == input.count % frameSize)
    }
}
