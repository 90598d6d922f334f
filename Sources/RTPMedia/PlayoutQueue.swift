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
    private let maximumBytes: Int
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
        if audio.readerIndex > 65_536 && audio.readerIndex > audio.readableBytes {
            audio.discardReadBytes()
        }
        var passed: [String] = []
        while let first = markers.first, first.position <= consumed {
            passed.append(first.name)
            markers.removeFirst()
        }
        return Frame(hasAudio: available > 0, passedMarkers: passed)
    }
}
