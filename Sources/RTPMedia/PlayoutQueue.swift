public import NIOCore

/// The return path's queue (AI → caller): audio already encoded in the call's RTP codec, with
/// checkpoint markers between the audio segments (stream spec §5.1).
///
/// Any `playAudio` size goes in; 20 ms frames come out. A marker fires once the frame holding
/// the last byte queued before it has been taken, so `playedStream` means "sent", never
/// "still queued". Time is not this type's concern: the pacer decides when to take a frame.
public struct PlayoutQueue: Sendable {
    /// What taking one frame produced.
    public struct Frame: Sendable {
        /// Whether the frame holds queued audio (false: all silence).
        public var hasAudio: Bool
        /// Checkpoint names whose audio has now been sent, in order.
        public var passedMarkers: [String]
    }

    private var audio: ByteBuffer
    private var markers: CircularBuffer<(position: Int, name: String)> = []
    /// Total bytes ever dequeued; marker positions are in this coordinate.
    private var consumed = 0
    private var maximumBytes: Int
    /// Bytes refused because the queue was full (`rtp.max_queued_s`).
    public private(set) var droppedBytes = 0

    /// Creates an empty queue.
    /// - Parameter maximumBytes: the cap on queued audio; excess input is dropped and counted.
    public init(maximumBytes: Int) {
        self.maximumBytes = maximumBytes
        self.audio = ByteBuffer()
    }

    /// Bytes of audio waiting to be sent.
    public var queuedBytes: Int { audio.readableBytes }

    /// Whether nothing (no audio, no marker) is pending.
    public var isEmpty: Bool { audio.readableBytes == 0 && markers.isEmpty }

    /// Appends audio in the RTP codec.
    public mutating func append(_ bytes: ByteBuffer) {
        let room = max(0, maximumBytes - audio.readableBytes)
        let accepted = min(room, bytes.readableBytes)
        droppedBytes += bytes.readableBytes - accepted
        guard accepted > 0 else { return }
        var slice = bytes.getSlice(at: bytes.readerIndex, length: accepted)!
        audio.writeBuffer(&slice)
    }

    /// Appends a checkpoint marker (stream spec §4.2).
    /// - Returns: `true` when nothing is queued ahead of it, so it has already "played" and the
    ///   caller should answer at once (spec §5.1, checkpoint on an empty queue).
    public mutating func appendCheckpoint(_ name: String) -> Bool {
        if audio.readableBytes == 0 && markers.isEmpty { return true }
        markers.append((consumed + audio.readableBytes, name))
        return false
    }

    /// Drops all queued audio and pending markers (spec §5.2: markers are not acknowledged;
    /// Twilio's dialect returns them instead).
    /// - Returns: the names of the markers dropped, in queue order.
    @discardableResult
    public mutating func clear() -> [String] {
        consumed += audio.readableBytes
        audio.clear()
        let dropped = markers.map(\.name)
        markers.removeAll()
        return dropped
    }

    /// Takes one frame of `size` bytes into `output`, padding with `silence` when the queue
    /// runs short.
    /// - Parameters:
    ///   - size: bytes per frame (160 for 20 ms of G.711).
    ///   - silence: the codec's silence code.
    ///   - output: where the frame is written.
    public mutating func takeFrame(size: Int, silence: UInt8, into output: inout ByteBuffer) -> Frame {
        let available = min(size, audio.readableBytes)
        if available > 0 {
            var slice = audio.readSlice(length: available)!
            output.writeBuffer(&slice)
            consumed += available
        }
        if available < size {
            output.writeRepeatingByte(silence, count: size - available)
        }
        compact()
        var passed: [String] = []
        while let first = markers.first, first.position <= consumed {
            passed.append(first.name)
            markers.removeFirst()
        }
        return Frame(hasAudio: available > 0, passedMarkers: passed)
    }

    /// Keeps the storage near what is queued (issue 7's ≤ 64 KiB per call): an emptied queue
    /// starts again at the front (and gives back storage beyond 4 KiB that a long prompt
    /// grew), and sent bytes are dropped once they outweigh the queued ones, so the move is
    /// never longer than what was sent since the last one. Until this, sent audio was kept up
    /// to 64 KiB, and every talking call's queue grew to 128 KiB.
    private mutating func compact() {
        if audio.readableBytes == 0 {
            if audio.capacity > Self.retainedCapacity {
                audio = ByteBuffer()
            } else {
                audio.clear()
            }
        } else if audio.readerIndex >= 4096 && audio.readerIndex > audio.readableBytes {
            audio.discardReadBytes()
        }
    }

    /// Storage an empty queue keeps for the next talk-spurt.
    /// 4 KiB: half a second of µ-law; a longer prompt regrows it once per talk-spurt.
    static let retainedCapacity = 4 * 1024

    /// The bytes of storage the queue holds (tests).
    var storageCapacity: Int { audio.capacity }

    /// Re-encodes the queued audio after the call's codec changed (a re-offer, RFC 3264 §8.3.2):
    /// the audio stays, converted by `convert`, and each checkpoint keeps its place in time —
    /// its distance from the head of the queue is scaled by `newFrameBytes / oldFrameBytes`.
    /// - Parameters:
    ///   - maximumBytes: the new cap (the same duration in the new form).
    ///   - newFrameBytes: bytes of 20 ms in the new form.
    ///   - oldFrameBytes: bytes of 20 ms in the old form.
    ///   - convert: appends the new form of the old bytes.
    public mutating func reencode(
        maximumBytes: Int, newFrameBytes: Int, oldFrameBytes: Int,
        _ convert: (UnsafeRawBufferPointer, inout [UInt8]) -> Void
    ) {
        precondition(newFrameBytes > 0 && oldFrameBytes > 0, "a frame has bytes")
        var converted: [UInt8] = []
        audio.withUnsafeReadableBytes { convert($0, &converted) }
        let kept = min(converted.count, maximumBytes)
        droppedBytes += converted.count - kept
        let head = consumed
        markers = CircularBuffer(
            markers.map { marker in
                (head + min(kept, (marker.position - head) * newFrameBytes / oldFrameBytes), marker.name)
            })
        self.maximumBytes = maximumBytes
        audio.clear()
        audio.writeBytes(converted.prefix(kept))
    }
}
