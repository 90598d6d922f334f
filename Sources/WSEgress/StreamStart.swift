public import Transcode

/// The contents of the `start` event, the first message on every stream (spec §3.1).
public struct StreamStart: Sendable, Hashable {
    /// `sequenceNumber`: the stream-wide message counter, 1 for `start` (spec §3).
    public var sequenceNumber: Int
    /// `start.callId`: the call's UUID (spec §3.1).
    public var callId: String
    /// `start.streamId`: this stream's UUID, echoed by the client on checkpoint/clearAudio/stop.
    public var streamId: String
    /// `start.accountId`: the account id, always written as a JSON **string** (spec §3.1: typed
    /// Plivo clients reject a number).
    public var accountId: String
    /// `start.tracks`: the tracks this stream carries, e.g. `[.inbound]` (spec §3.1).
    public var tracks: [Track]
    /// `start.mediaFormat`: written as `{encoding, sampleRate}` with the encoding carrying no
    /// `;rate=` suffix and the rate as a JSON integer (spec §3.1).
    public var mediaFormat: AudioFormat
    /// `extra_headers`: text that is already a JSON object (e.g. `{"test1":"12"}`), sent as a JSON
    /// *string* at top level; real Vobiz always sends `"{}"` (spec §3.1, §5.7).
    public var extraHeaders: String
    /// `start.previousStreamId`: set only on a stream opened again after the previous one was
    /// lost mid-call (route option `reconnect_max_retries`), so the server knows the call is
    /// not new (a bridge extension; clients ignore unknown fields).
    public var previousStreamId: String?

    /// Creates the `start` contents.
    /// - Parameters:
    ///   - sequenceNumber: the message counter; 1 unless a stream restarts numbering elsewhere.
    ///   - callId: the call's UUID.
    ///   - streamId: the stream's UUID.
    ///   - accountId: the account id (digits, written as a string).
    ///   - tracks: the tracks carried; `[.inbound]` for bidirectional streams (spec §1).
    ///   - mediaFormat: the negotiated stream format.
    ///   - extraHeaders: a JSON object's text, `"{}"` when none are configured.
    public init(
        sequenceNumber: Int = 1,
        callId: String,
        streamId: String,
        accountId: String,
        tracks: [Track] = [.inbound],
        mediaFormat: AudioFormat,
        extraHeaders: String = "{}"
    ) {
        self.sequenceNumber = sequenceNumber
        self.callId = callId
        self.streamId = streamId
        self.accountId = accountId
        self.tracks = tracks
        self.mediaFormat = mediaFormat
        self.extraHeaders = extraHeaders
    }
}
