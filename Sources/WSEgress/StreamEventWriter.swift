public import NIOCore
import Transcode

/// Writes the bridge → AI server events (spec §3) as complete JSON text, one event per call,
/// at the writer index of a `ByteBuffer` that becomes one WebSocket text frame (spec §2).
///
/// The JSON comes from fixed templates: keys and punctuation are static strings, integers are
/// written as digits directly, strings are escaped per RFC 8259 §7, and `media` payloads are
/// base64-encoded in place (RFC 4648 §4). Writing a `media` event allocates nothing beyond
/// growing the target buffer, and each function reserves its space up front, so the buffer
/// grows at most once per event (strings full of control characters, which expand up to six
/// times when escaped, may need a second growth). Callers that reuse one buffer per stream and
/// `clear()` it between frames allocate nothing at all in steady state.
///
/// Field types follow the spec tables exactly: `sequenceNumber`, `chunk` and `sampleRate` are
/// JSON integers; `timestamp`, `accountId` and `extra_headers` are JSON strings.
public enum StreamEventWriter {
    /// Bytes of fixed template text in the longest event besides its variable fields: an
    /// over-estimate used only to reserve capacity.
    private static let templateOverhead = 160

    /// Writes the `start` event (spec §3.1):
    /// `{"event":"start","sequenceNumber":1,"start":{"callId":…,"streamId":…,"accountId":"…",
    /// "tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000}},
    /// "extra_headers":"{}"}`.
    ///
    /// The encoding is written without a `;rate=` suffix, which both Vobiz clients reject.
    /// - Parameters:
    ///   - start: the event's contents.
    ///   - buffer: the target.
    /// - Returns: the number of bytes written.
    @discardableResult
    public static func writeStart(_ start: StreamStart, into buffer: inout ByteBuffer) -> Int {
        let begin = buffer.writerIndex
        buffer.reserveCapacity(
            minimumWritableBytes: templateOverhead + 20 * start.tracks.count + start.callId.utf8.count
                + start.streamId.utf8.count + start.accountId.utf8.count + start.extraHeaders.utf8.count
        )
        buffer.writeStaticString(#"{"event":"start","sequenceNumber":"#)
        buffer.writeJSONInteger(start.sequenceNumber)
        buffer.writeStaticString(#","start":{"callId":"#)
        buffer.writeJSONString(start.callId)
        buffer.writeStaticString(#","streamId":"#)
        buffer.writeJSONString(start.streamId)
        buffer.writeStaticString(#","accountId":"#)
        buffer.writeJSONString(start.accountId)
        buffer.writeStaticString(#","tracks":["#)
        for (i, track) in start.tracks.enumerated() {
            if i > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString("\"")
            buffer.writeStaticString(track.jsonName)
            buffer.writeStaticString("\"")
        }
        buffer.writeStaticString(#"],"mediaFormat":{"encoding":"#)
        buffer.writeJSONString(start.mediaFormat.encoding.rawValue)
        buffer.writeStaticString(#","sampleRate":"#)
        buffer.writeJSONInteger(start.mediaFormat.sampleRate)
        buffer.writeStaticString("}")
        if let previous = start.previousStreamId {
            buffer.writeStaticString(#","previousStreamId":"#)
            buffer.writeJSONString(previous)
        }
        buffer.writeStaticString(#"},"extra_headers":"#)
        buffer.writeJSONString(start.extraHeaders)
        buffer.writeStaticString("}")
        return buffer.writerIndex - begin
    }

    /// Writes one `media` event (spec §3.2):
    /// `{"event":"media","sequenceNumber":N,"streamId":"…","media":{"track":"inbound",
    /// "timestamp":"1764100000000","chunk":N,"payload":"<base64>"}}`.
    /// - Parameters:
    ///   - sequenceNumber: the stream-wide message counter (spec §3).
    ///   - streamId: the stream's id, top level (spec §3.2).
    ///   - track: the direction of the audio; `.inbound` is the caller.
    ///   - timestamp: milliseconds, written as a JSON *string* of decimal digits (spec §3.2).
    ///   - chunk: the per-track frame counter, first frame 1 (spec §6).
    ///   - payload: the raw audio, base64-encoded straight into `buffer` (spec §6).
    ///   - extraHeaders: Plivo dialect: the stream's `extra_headers` text, as on `start`.
    ///   - buffer: the target.
    /// - Returns: the number of bytes written.
    @discardableResult
    public static func writeMedia(
        sequenceNumber: Int,
        streamId: String,
        track: Track = .inbound,
        timestamp: Int,
        chunk: Int,
        payload: UnsafeRawBufferPointer,
        extraHeaders: String? = nil,
        into buffer: inout ByteBuffer
    ) -> Int {
        let begin = buffer.writerIndex
        buffer.reserveCapacity(
            minimumWritableBytes: templateOverhead + streamId.utf8.count + Base64.encodedLength(payload.count)
                + (extraHeaders?.utf8.count ?? 0)
        )
        buffer.writeStaticString(#"{"event":"media","sequenceNumber":"#)
        buffer.writeJSONInteger(sequenceNumber)
        buffer.writeStaticString(#","streamId":"#)
        buffer.writeJSONString(streamId)
        buffer.writeStaticString(#","media":{"track":""#)
        buffer.writeStaticString(track.jsonName)
        buffer.writeStaticString(#"","timestamp":"#)
        buffer.writeJSONIntegerString(timestamp)
        buffer.writeStaticString(#","chunk":"#)
        buffer.writeJSONInteger(chunk)
        buffer.writeStaticString(#","payload":""#)
        Base64.encode(payload, into: &buffer)  // the alphabet needs no JSON escaping
        buffer.writeStaticString(#""}"#)
        if let extraHeaders {
            // Plivo repeats the stream's extra headers on every media event (spec §7).
            buffer.writeStaticString(#","extra_headers":"#)
            buffer.writeJSONString(extraHeaders)
        }
        buffer.writeStaticString("}")
        return buffer.writerIndex - begin
    }

    /// Writes one `media` event whose payload is the readable bytes of a buffer (spec §3.2);
    /// see `writeMedia(sequenceNumber:streamId:track:timestamp:chunk:payload:into:)`.
    /// - Parameters:
    ///   - sequenceNumber: the stream-wide message counter (spec §3).
    ///   - streamId: the stream's id.
    ///   - track: the direction of the audio.
    ///   - timestamp: milliseconds, written as a JSON string.
    ///   - chunk: the per-track frame counter.
    ///   - payload: the raw audio; its reader index is not moved.
    ///   - extraHeaders: Plivo dialect: the stream's `extra_headers` text.
    ///   - buffer: the target.
    /// - Returns: the number of bytes written.
    @discardableResult
    public static func writeMedia(
        sequenceNumber: Int,
        streamId: String,
        track: Track = .inbound,
        timestamp: Int,
        chunk: Int,
        payload: ByteBuffer,
        extraHeaders: String? = nil,
        into buffer: inout ByteBuffer
    ) -> Int {
        payload.withUnsafeReadableBytes { bytes in
            writeMedia(
                sequenceNumber: sequenceNumber, streamId: streamId, track: track,
                timestamp: timestamp, chunk: chunk, payload: bytes, extraHeaders: extraHeaders, into: &buffer
            )
        }
    }

    /// Writes a `playedStream` event, the answer to a reached `checkpoint` (spec §3.3, §5.1):
    /// `{"event":"playedStream","sequenceNumber":N,"streamId":"…","name":"…"}`.
    ///
    /// The superset shape is the default (spec §3.3 [BRIDGE]); passing `nil` for
    /// `sequenceNumber` and `streamId` gives the strict Vobiz shape `{"event":…,"name":…}`
    /// (spec §9 `playedStreamShape`).
    /// - Parameters:
    ///   - sequenceNumber: the message counter, or `nil` to omit the field.
    ///   - streamId: the stream's id, or `nil` to omit the field.
    ///   - name: the checkpoint's name, echoed byte for byte; escaped per RFC 8259 §7.
    ///   - buffer: the target.
    /// - Returns: the number of bytes written.
    @discardableResult
    public static func writePlayedStream(
        sequenceNumber: Int?,
        streamId: String?,
        name: String,
        into buffer: inout ByteBuffer
    ) -> Int {
        let begin = buffer.writerIndex
        buffer.reserveCapacity(
            minimumWritableBytes: templateOverhead + (streamId?.utf8.count ?? 0) + name.utf8.count
        )
        buffer.writeStaticString(#"{"event":"playedStream""#)
        if let sequenceNumber {
            buffer.writeStaticString(#","sequenceNumber":"#)
            buffer.writeJSONInteger(sequenceNumber)
        }
        if let streamId {
            buffer.writeStaticString(#","streamId":"#)
            buffer.writeJSONString(streamId)
        }
        buffer.writeStaticString(#","name":"#)
        buffer.writeJSONString(name)
        buffer.writeStaticString("}")
        return buffer.writerIndex - begin
    }

    /// Writes a `clearedAudio` event, the answer to `clearAudio` (spec §3.4, §5.2):
    /// `{"sequenceNumber":N,"event":"clearedAudio","streamId":"…"}` (the documented key order).
    /// - Parameters:
    ///   - sequenceNumber: the stream-wide message counter (spec §3.4 [BRIDGE]).
    ///   - streamId: the stream's id.
    ///   - buffer: the target.
    /// - Returns: the number of bytes written.
    @discardableResult
    public static func writeClearedAudio(
        sequenceNumber: Int,
        streamId: String,
        into buffer: inout ByteBuffer
    ) -> Int {
        let begin = buffer.writerIndex
        buffer.reserveCapacity(minimumWritableBytes: templateOverhead + streamId.utf8.count)
        buffer.writeStaticString(#"{"sequenceNumber":"#)
        buffer.writeJSONInteger(sequenceNumber)
        buffer.writeStaticString(#","event":"clearedAudio","streamId":"#)
        buffer.writeJSONString(streamId)
        buffer.writeStaticString("}")
        return buffer.writerIndex - begin
    }
}
