import NIOCore
import Testing
import TestSupport

@testable import RTPMedia

/// The return path's queue: re-slicing into 20 ms frames, checkpoint markers, clear and cap.
@Suite struct PlayoutQueueTests {
    static let frameSize = 160
    static let silence: UInt8 = 0xFF

    /// One frame taken from the queue, with the bytes it wrote.
    struct Taken {
        var bytes: [UInt8]
        var hasAudio: Bool
        var markers: [String]
    }

    private func take(_ queue: inout PlayoutQueue) -> Taken {
        var output = ByteBuffer()
        let frame = queue.takeFrame(size: Self.frameSize, silence: Self.silence, into: &output)
        #expect(output.readableBytes == Self.frameSize, "a frame is always exactly one frame")
        return Taken(bytes: output.bytes, hasAudio: frame.hasAudio, markers: frame.passedMarkers)
    }

    private func append(_ queue: inout PlayoutQueue, _ bytes: [UInt8]) {
        queue.append(ByteBuffer(bytes: bytes))
    }

    private let silentFrame = [UInt8](repeating: 0xFF, count: 160)

    @Test func anyPayloadSizeIsReslicedIntoFrames() {
        var queue = PlayoutQueue(maximumBytes: 1 << 20)
        let audio = pattern(count: 1100)
        append(&queue, audio)
        #expect(queue.queuedBytes == 1100)
        for index in 0..<6 {
            let frame = take(&queue)
            #expect(frame.hasAudio)
            #expect(frame.bytes == Array(audio[index * 160..<(index + 1) * 160]), "frame \(index)")
        }
        let partial = take(&queue)
        #expect(partial.hasAudio, "140 audio bytes + 20 silence still counts as audio")
        #expect(partial.bytes == Array(audio[960..<1100]) + [UInt8](repeating: 0xFF, count: 20))
        for _ in 0..<3 {
            let idle = take(&queue)
            #expect(!idle.hasAudio)
            #expect(idle.bytes == silentFrame)
        }
        #expect(queue.isEmpty)
    }

    @Test func appendRespectsTheReaderIndexOfItsInput() {
        var queue = PlayoutQueue(maximumBytes: 1 << 20)
        var input = ByteBuffer(bytes: [1, 2, 3] + pattern(count: 160))
        input.moveReaderIndex(forwardBy: 3)
        queue.append(input)
        #expect(take(&queue).bytes == pattern(count: 160))
    }

    @Test func checkpointFiresOnTheFrameSendingTheLastByte() {
        var queue = PlayoutQueue(maximumBytes: 1 << 20)
        append(&queue, pattern(count: 400))
        #expect(queue.appendCheckpoint("a") == false)
        #expect(take(&queue).markers == [])  // bytes 0..<160
        #expect(take(&queue).markers == [])  // 160..<320
        #expect(take(&queue).markers == ["a"])  // 320..<400: the last byte
        #expect(take(&queue).markers == [])
        #expect(queue.isEmpty)
    }

    @Test func checkpointOnAFrameBoundaryFiresNotLater() {
        var queue = PlayoutQueue(maximumBytes: 1 << 20)
        append(&queue, pattern(count: 320))
        #expect(queue.appendCheckpoint("edge") == false)
        #expect(take(&queue).markers == [])
        let second = take(&queue)
        #expect(second.markers == ["edge"])
        #expect(second.hasAudio)
    }

    @Test func consecutiveCheckpointsFireTogetherInOrder() {
        var queue = PlayoutQueue(maximumBytes: 1 << 20)
        append(&queue, pattern(count: 200))
        #expect(queue.appendCheckpoint("a") == false)
        #expect(queue.appendCheckpoint("b") == false)
        #expect(queue.appendCheckpoint("c") == false)
        #expect(take(&queue).markers == [])
        #expect(take(&queue).markers == ["a", "b", "c"])
    }

    @Test func interleavedCheckpointsFireOnTheirOwnFrames() {
        var queue = PlayoutQueue(maximumBytes: 1 << 20)
        append(&queue, pattern(count: 100))
        _ = queue.appendCheckpoint("a")  // position 100
        append(&queue, pattern(count: 100))
        _ = queue.appendCheckpoint("b")  // position 200
        #expect(take(&queue).markers == ["a"])
        #expect(take(&queue).markers == ["b"])
    }

    @Test func checkpointOnAnEmptyQueueHasAlreadyPlayed() {
        var queue = PlayoutQueue(maximumBytes: 1 << 20)
        #expect(queue.appendCheckpoint("now") == true)
        #expect(queue.isEmpty)
        #expect(take(&queue).markers == [], "an answered checkpoint must not fire again")
        // Also once earlier audio has been fully sent.
        append(&queue, pattern(count: 160))
        _ = take(&queue)
        #expect(queue.appendCheckpoint("later") == true)
        #expect(take(&queue).markers == [])
    }

    @Test func clearDropsAudioAndMarkersThenNewAudioPlays() {
        var queue = PlayoutQueue(maximumBytes: 1 << 20)
        append(&queue, pattern(count: 500))
        _ = queue.appendCheckpoint("a")
        _ = queue.appendCheckpoint("b")
        append(&queue, pattern(count: 100))
        _ = queue.appendCheckpoint("c")
        #expect(queue.clear() == ["a", "b", "c"])
        #expect(queue.queuedBytes == 0)
        #expect(queue.isEmpty)
        let idle = take(&queue)
        #expect(!idle.hasAudio && idle.markers.isEmpty && idle.bytes == silentFrame)
        #expect(queue.clear() == [])

        let fresh = pattern(count: 160, start: 77)
        append(&queue, fresh)
        #expect(queue.appendCheckpoint("d") == false)
        let played = take(&queue)
        #expect(played.bytes == fresh)
        #expect(played.markers == ["d"])
    }

    /// Marker positions are absolute byte counters: a clear part-way through the queue must
    /// move the counter past the dropped bytes, or later markers fire early or late.
    @Test func markersAfterAMidStreamClearFireAtTheRightPosition() {
        var queue = PlayoutQueue(maximumBytes: 1 << 20)
        append(&queue, pattern(count: 300))
        _ = take(&queue)  // 160 sent, 140 still queued
        #expect(queue.clear() == [])
        let fresh = pattern(count: 200, start: 9)
        append(&queue, fresh)
        _ = queue.appendCheckpoint("x")
        let first = take(&queue)
        #expect(first.bytes == Array(fresh[0..<160]))
        #expect(first.markers == [])
        let second = take(&queue)
        #expect(second.bytes == Array(fresh[160..<200]) + [UInt8](repeating: 0xFF, count: 120))
        #expect(second.markers == ["x"])
    }

    @Test func capDropsAndCountsExcess() {
        var queue = PlayoutQueue(maximumBytes: 1000)
        let first = pattern(count: 800)
        let second = pattern(count: 500, start: 100)
        append(&queue, first)
        #expect(queue.droppedBytes == 0)
        append(&queue, second)
        #expect(queue.queuedBytes == 1000)
        #expect(queue.droppedBytes == 300)
        append(&queue, pattern(count: 10))
        #expect(queue.droppedBytes == 310, "a full queue refuses everything")
        #expect(queue.appendCheckpoint("full") == false)

        var sent: [UInt8] = []
        var markerFrame: Int?
        for index in 0..<7 {
            let frame = take(&queue)
            sent += frame.bytes
            if frame.markers == ["full"] { markerFrame = index }
        }
        #expect(Array(sent[0..<1000]) == first + Array(second[0..<200]), "the head is kept, the excess dropped")
        #expect(markerFrame == 6, "the marker follows the last accepted byte (999, frame 6)")

        // Room frees as frames go out.
        append(&queue, pattern(count: 1200))
        #expect(queue.queuedBytes == 1000)
        #expect(queue.droppedBytes == 510)
    }

    /// Follows what the queue should have sent, to check each frame it takes.
    private struct Ledger {
        var appended: [UInt8] = []
        var sent: [UInt8] = []
        var pending: [(position: Int, name: String)] = []
        var errors: [String] = []

        /// Records one taken frame; `queued` is the queue's audio before the take.
        mutating func record(_ frame: Taken, queued: Int) {
            let audioBytes = min(160, queued)
            if frame.hasAudio != (audioBytes > 0) { errors.append("hasAudio wrong at \(sent.count)") }
            sent += frame.bytes[0..<audioBytes]
            let due = pending.prefix { $0.position <= sent.count }.map(\.name)
            pending.removeFirst(due.count)
            if frame.markers != due { errors.append("at \(sent.count): got \(frame.markers), want \(due)") }
        }
    }

    /// 10,000 frames of interleaved appends, checkpoints and takes: every byte comes out once,
    /// in order, and every marker fires on exactly the frame that sends its last byte.
    @Test(arguments: [UInt64(1), 2, 3])
    func longRunPreservesEveryByteInOrder(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var queue = PlayoutQueue(maximumBytes: Int.max)
        var ledger = Ledger()
        var markers = 0
        for _ in 0..<10_000 {
            // Appends of 0...400 bytes, three times in four: the queue mostly keeps up,
            // sometimes runs dry, and the reader index crosses the compaction threshold.
            if Int.random(in: 0..<4, using: &rng) != 0 {
                let chunk = pattern(count: Int.random(in: 0...400, using: &rng), start: ledger.appended.count)
                append(&queue, chunk)
                ledger.appended += chunk
            }
            if Int.random(in: 0..<8, using: &rng) == 0 {
                let name = "m\(markers)"
                markers += 1
                if !queue.appendCheckpoint(name) {
                    ledger.pending.append((ledger.appended.count, name))
                } else if ledger.appended.count != ledger.sent.count {
                    ledger.errors.append("\(name) answered at once with audio queued")
                }
            }
            let queued = queue.queuedBytes
            ledger.record(take(&queue), queued: queued)
        }
        // Drain, bounded: a marker that never fires must fail the test, not hang it.
        for _ in 0..<100 where !queue.isEmpty {
            let queued = queue.queuedBytes
            ledger.record(take(&queue), queued: queued)
        }
        #expect(queue.isEmpty)
        #expect(queue.droppedBytes == 0)
        #expect(ledger.sent.count == ledger.appended.count)
        #expect(ledger.sent == ledger.appended, "seed \(seed)")
        #expect(ledger.pending.isEmpty)
        #expect(ledger.errors.isEmpty, "seed \(seed): \(ledger.errors.prefix(5))")
        #expect(markers > 1000, "the run exercised markers")
    }

    @Test func reencodingKeepsTheAudioAndEachCheckpointsPlaceInTime() {
        // A re-offer moved the call from G.711 (160 bytes per 20 ms) to G.722's queue form (640).
        var queue = PlayoutQueue(maximumBytes: 160 * 50)
        append(&queue, pattern(count: 400))
        #expect(queue.appendCheckpoint("a") == false)  // after 400 bytes = 50 ms
        append(&queue, pattern(count: 240, start: 400))
        #expect(queue.appendCheckpoint("b") == false)  // after 640 bytes = 80 ms
        _ = take(&queue)  // 20 ms have gone out: "a" is 30 ms ahead, "b" 60 ms
        queue.reencode(maximumBytes: 640 * 50, newFrameBytes: 640, oldFrameBytes: 160) { old, converted in
            for byte in old { converted += [byte, byte, byte, byte] }
        }
        #expect(queue.queuedBytes == 480 * 4)
        var output = ByteBuffer()
        #expect(queue.takeFrame(size: 640, silence: 0, into: &output).passedMarkers == [])
        #expect(output.bytes == pattern(count: 160, start: 160).flatMap { [$0, $0, $0, $0] })
        output.clear()
        #expect(queue.takeFrame(size: 640, silence: 0, into: &output).passedMarkers == ["a"], "30 ms: during the second frame")
        output.clear()
        #expect(queue.takeFrame(size: 640, silence: 0, into: &output).passedMarkers == ["b"], "60 ms: the end of the third")
        #expect(queue.isEmpty)
    }

    @Test func reencodingIntoASmallerCapDropsAndCountsTheExcess() {
        var queue = PlayoutQueue(maximumBytes: 1000)
        append(&queue, pattern(count: 1000))
        #expect(queue.appendCheckpoint("end") == false)
        queue.reencode(maximumBytes: 600, newFrameBytes: 160, oldFrameBytes: 160) { old, converted in converted += old }
        #expect(queue.queuedBytes == 600)
        #expect(queue.droppedBytes == 400)
        var output = ByteBuffer()
        var passed: [String] = []
        for _ in 0..<4 { passed += queue.takeFrame(size: 160, silence: 0, into: &output).passedMarkers }
        #expect(passed == ["end"], "a checkpoint beyond the kept audio fires with its last byte")
    }

    @Test func aLongConversationDoesNotGrowTheStorage() {
        // 10 minutes of echo-sized AI turns (one 20 ms frame in, one out) and a 5 s prompt:
        // the storage stays near what is queued at once, and an emptied queue gives back
        // what the prompt needed.
        var queue = PlayoutQueue(maximumBytes: 8000 * 60)
        var output = ByteBuffer()
        for index in 0..<30_000 {
            append(&queue, pattern(count: 160, start: index))
            output.clear()
            _ = queue.takeFrame(size: 160, silence: 0xFF, into: &output)
        }
        #expect(queue.storageCapacity <= 4096 * 2, "\(queue.storageCapacity) bytes after 10 minutes of echo")
        append(&queue, pattern(count: 8000 * 5))
        #expect(queue.storageCapacity >= 8000 * 5)
        for _ in 0..<250 {
            output.clear()
            _ = queue.takeFrame(size: 160, silence: 0xFF, into: &output)
        }
        #expect(queue.queuedBytes == 0)
        #expect(queue.storageCapacity <= PlayoutQueue.retainedCapacity)
    }
}

