/// Per-call media counters, shown in `/status`.
struct MediaStats: Sendable, Codable {
    /// RTP packets received from the caller.
    var packetsIn = 0
    /// RTP packets sent to the caller.
    var packetsOut = 0
    /// Packets dropped: wrong source port type, unknown payload type, unparsable.
    var packetsDropped = 0
    /// `media` events sent to the AI server.
    var mediaSent = 0
    /// `playAudio` events received.
    var playAudioReceived = 0
    /// Bytes of AI audio queued for the caller (in the RTP codec).
    var playoutBytesQueued = 0
    /// Frames the pacer skipped after a stall.
    var framesSkipped = 0
    /// Frames sent that carried AI audio (the rest were silence).
    var audioFramesOut = 0
}
