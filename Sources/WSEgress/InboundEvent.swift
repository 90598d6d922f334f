/// One message from the AI server, decoded from a WebSocket frame (spec §4).
///
/// Produced by `InboundEventParser`. The stream session processes these strictly in arrival
/// order on one queue per stream (spec §4).
public enum InboundEvent: Sendable, Equatable {
    /// `playAudio`: audio to append to the playback queue (spec §4.1, §5.1).
    case playAudio(PlayAudio)
    /// `checkpoint`: a named marker in the playback queue, answered with `playedStream` once
    /// all audio queued before it has been played (spec §4.2, §5.1). `streamId` is documented as
    /// required, but its absence is tolerated ([BRIDGE]).
    case checkpoint(name: String, streamId: String?)
    /// `clearAudio`: flush the queue and pending checkpoints, then answer `clearedAudio`
    /// (spec §4.3, §5.2).
    case clearAudio(streamId: String?)
    /// `stop`: end the stream now and close the socket (spec §4.4, §5.3).
    case stop(streamId: String?)
    /// `sendDTMF` (Plivo's event, spec §4.5 and §9 open question 12): key presses to play to the
    /// caller. `digits` holds only `0-9 * # A-D` (upper case), 1…64 of them. Accepted shapes:
    /// `"dtmf": "12#"`, `"digits": "12#"`, `"dtmf": {"digit": "1"}`, `"dtmf": {"digits": "12"}`.
    case sendDTMF(digits: String, streamId: String?)
    /// Any other `event` value, e.g. Twilio's `mark`: the caller logs and ignores it (spec §4.5).
    case other(event: String)
}
