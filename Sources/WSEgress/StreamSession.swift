public import NIOCore

/// The per-stream counters and identities of the stream protocol (spec §3): one
/// `sequenceNumber` across every message the bridge sends, starting at 1 with `start`; per
/// track a `chunk` counter starting at 1; `timestamp` = stream start (epoch ms) + 20 ms per
/// chunk, so it stays on the clock whatever the network did.
public struct StreamSession: Sendable {
    /// The `start` event's content.
    public let start: StreamStart
    /// Wall-clock time of the stream start, in Unix epoch milliseconds.
    public let startEpochMilliseconds: Int
    private var sequenceNumber = 1
    private var chunks: [Track: Int] = [:]

    /// Creates the session.
    /// - Parameters:
    ///   - start: what the `start` event announces.
    ///   - startEpochMilliseconds: the wall clock at stream start (time is an argument).
    public init(start: StreamStart, startEpochMilliseconds: Int) {
        self.start = start
        self.startEpochMilliseconds = startEpochMilliseconds
    }

    /// The stream's ID.
    public var streamId: String { start.streamId }

    /// Messages sent so far (the last sequence number used).
    public var messagesSent: Int { sequenceNumber - 1 }

    /// Frames sent on `track`.
    public func chunks(on track: Track) -> Int { chunks[track] ?? 0 }

    private mutating func nextSequenceNumber() -> Int {
        defer { sequenceNumber += 1 }
        return sequenceNumber
    }

    /// The next `sequenceNumber`, for events written by extensions.
    mutating func takeSequenceNumber() -> Int { nextSequenceNumber() }

    /// Writes the `start` event (spec §3.1); must be the first message.
    public mutating func writeStart(into buffer: inout ByteBuffer) {
        var start = start
        start.sequenceNumber = nextSequenceNumber()
        _ = StreamEventWriter.writeStart(start, into: &buffer)
    }

    /// Writes one `media` event (spec §3.2) carrying a 20 ms frame.
    public mutating func writeMedia(_ payload: ByteBuffer, track: Track = .inbound, into buffer: inout ByteBuffer) {
        let chunk = (chunks[track] ?? 0) + 1
        chunks[track] = chunk
        _ = StreamEventWriter.writeMedia(
            sequenceNumber: nextSequenceNumber(), streamId: start.streamId, track: track,
            timestamp: startEpochMilliseconds + 20 * (chunk - 1), chunk: chunk, payload: payload, into: &buffer)
    }

    /// Writes a `dtmf` event (spec §3.5 extension) stamped on the inbound track's clock: the
    /// `media.timestamp` of the frame now being sent.
    public mutating func writeDTMF(digit: Character, durationMilliseconds: Int, into buffer: inout ByteBuffer) {
        let chunk = max(1, chunks[.inbound] ?? 0)
        _ = StreamEventWriter.writeDTMF(
            sequenceNumber: nextSequenceNumber(), streamId: start.streamId, digit: digit,
            timestamp: startEpochMilliseconds + 20 * (chunk - 1), durationMilliseconds: durationMilliseconds,
            into: &buffer)
    }

    /// Writes `playedStream` for a checkpoint (spec §3.3, superset shape).
    public mutating func writePlayedStream(name: String, into buffer: inout ByteBuffer) {
        _ = StreamEventWriter.writePlayedStream(
            sequenceNumber: nextSequenceNumber(), streamId: start.streamId, name: name, into: &buffer)
    }

    /// Writes `clearedAudio` (spec §3.4).
    public mutating func writeClearedAudio(into buffer: inout ByteBuffer) {
        _ = StreamEventWriter.writeClearedAudio(
            sequenceNumber: nextSequenceNumber(), streamId: start.streamId, into: &buffer)
    }
}
