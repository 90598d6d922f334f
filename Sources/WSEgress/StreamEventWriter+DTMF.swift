public import NIOCore

extension StreamEventWriter {
    /// Writes a `dtmf` event, the Plivo-shaped extension of spec §3.5 and §9 that both Pipecat
    /// serializers consume: `{"event":"dtmf","sequenceNumber":N,"streamId":"…","dtmf":{"track":
    /// "inbound","digit":"5","timestamp":"…","duration":160}}`. `duration` (milliseconds, an
    /// integer) is a superset field; clients that do not know it ignore it.
    /// - Parameters:
    ///   - sequenceNumber: the stream-wide message counter.
    ///   - streamId: the stream's id.
    ///   - digit: `0`-`9`, `*`, `#`, `A`-`D`.
    ///   - timestamp: milliseconds, written as a string like `media.timestamp`.
    ///   - durationMilliseconds: how long the key was held.
    ///   - extraHeaders: Plivo dialect: the stream's `extra_headers` text.
    ///   - buffer: the target.
    /// - Returns: the number of bytes written.
    @discardableResult
    public static func writeDTMF(
        sequenceNumber: Int, streamId: String, digit: Character, timestamp: Int, durationMilliseconds: Int,
        extraHeaders: String? = nil, into buffer: inout ByteBuffer
    ) -> Int {
        let begin = buffer.writerIndex
        buffer.writeStaticString(#"{"event":"dtmf","sequenceNumber":"#)
        buffer.writeJSONInteger(sequenceNumber)
        buffer.writeStaticString(#","streamId":"#)
        buffer.writeJSONString(streamId)
        buffer.writeStaticString(#","dtmf":{"track":"inbound","digit":"#)
        buffer.writeJSONString(String(digit))
        buffer.writeStaticString(#","timestamp":"#)
        buffer.writeJSONIntegerString(timestamp)
        buffer.writeStaticString(#","duration":"#)
        buffer.writeJSONInteger(durationMilliseconds)
        buffer.writeStaticString("}")
        if let extraHeaders {
            buffer.writeStaticString(#","extra_headers":"#)
            buffer.writeJSONString(extraHeaders)
        }
        buffer.writeStaticString("}")
        return buffer.writerIndex - begin
    }
}
