public import NIOCore

extension StreamEventWriter {
    /// Writes the optional `stop` event (spec §3.6: Vobiz sends none; some clients and mocks
    /// expect `{"event":"stop","streamId":…}` when the caller hangs up, `reason` included).
    /// - Returns: the number of bytes written.
    @discardableResult
    public static func writeStop(sequenceNumber: Int, streamId: String, reason: String, into buffer: inout ByteBuffer) -> Int {
        let begin = buffer.writerIndex
        buffer.writeStaticString(#"{"sequenceNumber":"#)
        buffer.writeJSONInteger(sequenceNumber)
        buffer.writeStaticString(#","event":"stop","streamId":"#)
        buffer.writeJSONString(streamId)
        buffer.writeStaticString(#","reason":"#)
        buffer.writeJSONString(reason)
        buffer.writeStaticString("}")
        return buffer.writerIndex - begin
    }
}

extension StreamSession {
    /// Writes the optional `stop` event (spec §3.6, route option `send_stop_on_hangup`).
    /// Twilio dialect: Twilio's `stop` with the account and call SIDs.
    public mutating func writeStop(reason: String, into buffer: inout ByteBuffer) {
        if dialect == .twilio {
            TwilioEventWriter.writeStop(sequenceNumber: takeSequenceNumber(), sids: twilioSIDs, into: &buffer)
            return
        }
        StreamEventWriter.writeStop(sequenceNumber: takeSequenceNumber(), streamId: start.streamId, reason: reason, into: &buffer)
    }
}
