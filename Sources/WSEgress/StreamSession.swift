public import NIOCore

/// The per-stream counters and identities of the stream protocol (spec §3): one
/// `sequenceNumber` across every message the bridge sends, starting at 1 with `start`; per
/// track a `chunk` counter starting at 1; `timestamp` = stream start (epoch ms) + 20 ms per
/// chunk, so it stays on the clock whatever the network did.
///
/// The dialect (spec §7) decides the wire shapes; the counters are the same in all three.
public struct StreamSession: Sendable {
    /// The `start` event's content.
    public let start: StreamStart
    /// Wall-clock time of the stream start, in Unix epoch milliseconds.
    public let startEpochMilliseconds: Int
    /// The wire dialect.
    public let dialect: StreamDialect
    /// Twilio dialect: the stream's SIDs.
    public let twilioSIDs: TwilioSIDs
    private var sequenceNumber = 1
    /// Frames sent per track (`chunk`, spec §6): two counters, not a dictionary hashed per frame.
    private var inboundChunks = 0
    private var outboundChunks = 0

    /// Creates the session.
    /// - Parameters:
    ///   - start: what the `start` event announces.
    ///   - startEpochMilliseconds: the wall clock at stream start (time is an argument).
    ///   - dialect: the wire dialect.
    public init(start: StreamStart, startEpochMilliseconds: Int, dialect: StreamDialect = .vobiz) {
        self.start = start
        self.startEpochMilliseconds = startEpochMilliseconds
        self.dialect = dialect
        self.twilioSIDs = TwilioSIDs(start)
    }

    /// The Plivo dialect's `extra_headers` on media and dtmf events, else `nil`.
    private var repeatedExtraHeaders: String? { dialect == .plivo ? start.extraHeaders : nil }

    /// Twilio dialect: writes the `connected` preamble, which goes before `start` in a frame of
    /// its own. Returns `false` (nothing written) in the other dialects.
    public func writeConnected(into buffer: inout ByteBuffer) -> Bool {
        guard dialect == .twilio else { return false }
        TwilioEventWriter.writeConnected(into: &buffer)
        return true
    }

    /// The stream's ID.
    public var streamId: String { start.streamId }

    /// Messages sent so far (the last sequence number used).
    public var messagesSent: Int { sequenceNumber - 1 }

    /// Frames sent on `track`.
    public func chunks(on track: Track) -> Int { track == .inbound ? inboundChunks : outboundChunks }

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
        if dialect == .twilio {
            TwilioEventWriter.writeStart(
                sequenceNumber: start.sequenceNumber, sids: twilioSIDs, tracks: start.tracks, customParameters: start.extraHeaders,
                into: &buffer)
        } else {
            StreamEventWriter.writeStart(start, into: &buffer)
        }
    }

    /// Writes one `media` event (spec §3.2) carrying a 20 ms frame.
    public mutating func writeMedia(_ payload: ByteBuffer, track: Track = .inbound, into buffer: inout ByteBuffer) {
        let chunk: Int
        switch track {
        case .inbound:
            inboundChunks += 1
            chunk = inboundChunks
        case .outbound:
            outboundChunks += 1
            chunk = outboundChunks
        }
        guard dialect != .twilio else {
            // Twilio: timestamp in milliseconds from the stream's start.
            let sequenceNumber = nextSequenceNumber()
            _ = payload.withUnsafeReadableBytes {
                TwilioEventWriter.writeMedia(
                    sequenceNumber: sequenceNumber, streamSid: twilioSIDs.stream, track: track, timestamp: 20 * (chunk - 1),
                    chunk: chunk, payload: $0, into: &buffer)
            }
            return
        }
        StreamEventWriter.writeMedia(
            sequenceNumber: nextSequenceNumber(), streamId: start.streamId, track: track,
            timestamp: startEpochMilliseconds + 20 * (chunk - 1), chunk: chunk, payload: payload,
            extraHeaders: repeatedExtraHeaders, into: &buffer)
    }

    /// Writes a `dtmf` event (spec §3.5 extension) stamped on the inbound track's clock: the
    /// `media.timestamp` of the frame now being sent.
    public mutating func writeDTMF(digit: Character, durationMilliseconds: Int, into buffer: inout ByteBuffer) {
        let chunk = max(1, inboundChunks)
        guard dialect != .twilio else {
            TwilioEventWriter.writeDTMF(sequenceNumber: nextSequenceNumber(), streamSid: twilioSIDs.stream, digit: digit, into: &buffer)
            return
        }
        StreamEventWriter.writeDTMF(
            sequenceNumber: nextSequenceNumber(), streamId: start.streamId, digit: digit,
            timestamp: startEpochMilliseconds + 20 * (chunk - 1), durationMilliseconds: durationMilliseconds,
            extraHeaders: repeatedExtraHeaders, into: &buffer)
    }

    /// Writes `playedStream` for a checkpoint (spec §3.3, superset shape); Twilio: the `mark`
    /// echo.
    public mutating func writePlayedStream(name: String, into buffer: inout ByteBuffer) {
        guard dialect != .twilio else {
            TwilioEventWriter.writeMark(sequenceNumber: nextSequenceNumber(), streamSid: twilioSIDs.stream, name: name, into: &buffer)
            return
        }
        StreamEventWriter.writePlayedStream(
            sequenceNumber: nextSequenceNumber(), streamId: start.streamId, name: name, into: &buffer)
    }

    /// Writes `clearedAudio` (spec §3.4). Twilio acknowledges `clear` with nothing (its dropped
    /// marks come back instead): returns `false`, nothing written.
    @discardableResult
    public mutating func writeClearedAudio(into buffer: inout ByteBuffer) -> Bool {
        guard dialect != .twilio else { return false }
        StreamEventWriter.writeClearedAudio(sequenceNumber: nextSequenceNumber(), streamId: start.streamId, into: &buffer)
        return true
    }
}
