public import NIOCore

/// Writes Twilio Media Streams events (spec §7, route option `stream.dialect: twilio`): the same
/// template approach as `StreamEventWriter`, with Twilio's names and types — `sequenceNumber`,
/// `media.chunk` and `media.timestamp` are JSON **strings**, `timestamp` counts milliseconds from
/// the stream's start, and every event but `connected` carries `streamSid` at top level.
public enum TwilioEventWriter {
    private static let templateOverhead = 200

    /// `{"event":"connected","protocol":"Call","version":"1.0.0"}`: the first message.
    @discardableResult
    public static func writeConnected(into buffer: inout ByteBuffer) -> Int {
        buffer.writeStaticString(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#)
    }

    /// `{"event":"start","sequenceNumber":"1","start":{"accountSid":…,"streamSid":…,"callSid":…,
    /// "tracks":["inbound"],"customParameters":{…},"mediaFormat":{"encoding":"audio/x-mulaw",
    /// "sampleRate":8000,"channels":1}},"streamSid":…}`.
    /// - Parameters:
    ///   - sequenceNumber: 1 on a new stream.
    ///   - sids: the stream, call and account SIDs.
    ///   - tracks: the tracks carried.
    ///   - customParameters: text of a JSON object (the route's `extra_headers`), `{}` when none.
    ///   - buffer: the target.
    @discardableResult
    public static func writeStart(
        sequenceNumber: Int, sids: TwilioSIDs, tracks: [Track], customParameters: String, into buffer: inout ByteBuffer
    ) -> Int {
        let begin = buffer.writerIndex
        buffer.reserveCapacity(minimumWritableBytes: templateOverhead + 160 + customParameters.utf8.count)
        buffer.writeStaticString(#"{"event":"start","sequenceNumber":"#)
        buffer.writeJSONIntegerString(sequenceNumber)
        buffer.writeStaticString(#","start":{"accountSid":"#)
        buffer.writeJSONString(sids.account)
        buffer.writeStaticString(#","streamSid":"#)
        buffer.writeJSONString(sids.stream)
        buffer.writeStaticString(#","callSid":"#)
        buffer.writeJSONString(sids.call)
        buffer.writeStaticString(#","tracks":["#)
        for (index, track) in tracks.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString("\"")
            buffer.writeStaticString(track.jsonName)
            buffer.writeStaticString("\"")
        }
        buffer.writeStaticString(#"],"customParameters":"#)
        buffer.writeString(customParameters)  // already a JSON object's text
        buffer.writeStaticString(#","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"#)
        buffer.writeJSONString(sids.stream)
        buffer.writeStaticString("}")
        return buffer.writerIndex - begin
    }

    /// `{"event":"media","sequenceNumber":"N","media":{"track":"inbound","chunk":"N",
    /// "timestamp":"ms","payload":"<base64>"},"streamSid":…}`.
    @discardableResult
    public static func writeMedia(
        sequenceNumber: Int, streamSid: String, track: Track, timestamp: Int, chunk: Int, payload: UnsafeRawBufferPointer,
        into buffer: inout ByteBuffer
    ) -> Int {
        let begin = buffer.writerIndex
        buffer.reserveCapacity(minimumWritableBytes: templateOverhead + Base64.encodedLength(payload.count))
        buffer.writeStaticString(#"{"event":"media","sequenceNumber":"#)
        buffer.writeJSONIntegerString(sequenceNumber)
        buffer.writeStaticString(#","media":{"track":""#)
        buffer.writeStaticString(track.jsonName)
        buffer.writeStaticString(#"","chunk":"#)
        buffer.writeJSONIntegerString(chunk)
        buffer.writeStaticString(#","timestamp":"#)
        buffer.writeJSONIntegerString(timestamp)
        buffer.writeStaticString(#","payload":""#)
        Base64.encode(payload, into: &buffer)
        buffer.writeStaticString(#""},"streamSid":"#)
        buffer.writeJSONString(streamSid)
        buffer.writeStaticString("}")
        return buffer.writerIndex - begin
    }

    /// `{"event":"mark","sequenceNumber":"N","streamSid":…,"mark":{"name":…}}`: a mark's audio has
    /// played, or `clear` dropped it.
    @discardableResult
    public static func writeMark(sequenceNumber: Int, streamSid: String, name: String, into buffer: inout ByteBuffer) -> Int {
        let begin = buffer.writerIndex
        buffer.writeStaticString(#"{"event":"mark","sequenceNumber":"#)
        buffer.writeJSONIntegerString(sequenceNumber)
        buffer.writeStaticString(#","streamSid":"#)
        buffer.writeJSONString(streamSid)
        buffer.writeStaticString(#","mark":{"name":"#)
        buffer.writeJSONString(name)
        buffer.writeStaticString("}}")
        return buffer.writerIndex - begin
    }

    /// `{"event":"dtmf","sequenceNumber":"N","streamSid":…,"dtmf":{"track":"inbound_track","digit":"5"}}`.
    @discardableResult
    public static func writeDTMF(sequenceNumber: Int, streamSid: String, digit: Character, into buffer: inout ByteBuffer) -> Int {
        let begin = buffer.writerIndex
        buffer.writeStaticString(#"{"event":"dtmf","sequenceNumber":"#)
        buffer.writeJSONIntegerString(sequenceNumber)
        buffer.writeStaticString(#","streamSid":"#)
        buffer.writeJSONString(streamSid)
        buffer.writeStaticString(#","dtmf":{"track":"inbound_track","digit":"#)
        buffer.writeJSONString(String(digit))
        buffer.writeStaticString("}}")
        return buffer.writerIndex - begin
    }

    /// `{"event":"stop","sequenceNumber":"N","streamSid":…,"stop":{"accountSid":…,"callSid":…}}`:
    /// the last message before the socket closes.
    @discardableResult
    public static func writeStop(sequenceNumber: Int, sids: TwilioSIDs, into buffer: inout ByteBuffer) -> Int {
        let begin = buffer.writerIndex
        buffer.writeStaticString(#"{"event":"stop","sequenceNumber":"#)
        buffer.writeJSONIntegerString(sequenceNumber)
        buffer.writeStaticString(#","streamSid":"#)
        buffer.writeJSONString(sids.stream)
        buffer.writeStaticString(#","stop":{"accountSid":"#)
        buffer.writeJSONString(sids.account)
        buffer.writeStaticString(#","callSid":"#)
        buffer.writeJSONString(sids.call)
        buffer.writeStaticString("}}")
        return buffer.writerIndex - begin
    }
}

/// A stream's Twilio identifiers.
public struct TwilioSIDs: Sendable, Hashable {
    public var stream: String
    public var call: String
    public var account: String

    /// The SIDs for a bridge stream (`streamId`, `callId` UUIDs and the route's account id).
    public init(_ start: StreamStart) {
        stream = TwilioSID.make("MZ", from: start.streamId)
        call = TwilioSID.make("CA", from: start.callId)
        account = TwilioSID.account(start.accountId)
    }
}
