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
    /// Messages from the AI server that were not valid events (bad JSON, types, base64): logged
    /// and ignored, the call goes on.
    var wsMalformedMessages = 0
    /// Well-formed messages with an event name the dialect does not know (ignored).
    var wsUnknownEvents = 0
    /// Streams reopened after being lost mid-call (`reconnect_max_retries`).
    var streamReconnects = 0
    /// `media` events dropped (oldest first) because the AI server was not reading.
    var wsMediaDropped = 0
    /// `playAudio` events received.
    var playAudioReceived = 0
    /// Bytes of AI audio queued for the caller (in the RTP codec).
    var playoutBytesQueued = 0
    /// Frames the pacer skipped after a stall.
    var framesSkipped = 0
    /// Frames sent that carried AI audio (the rest were silence).
    var audioFramesOut = 0
    /// Payload bytes received from the caller.
    var bytesIn = 0
    /// RTP packets from a source other than the latched one (dropped: no media hijack).
    var packetsFromOtherSources = 0
    /// Caller audio lost per sequence numbers (RFC 3550 §A.3).
    var lost = 0
    /// Packets that arrived after their audio had been concealed (dropped).
    var late = 0
    /// Packets received twice (dropped).
    var duplicates = 0
    /// Interarrival jitter (RFC 3550 §A.8), milliseconds.
    var jitterMilliseconds = 0.0
    /// Timestamp units of caller audio concealed (loss or DTX).
    var unitsConcealed = 0
    /// DTMF key presses received (RFC 4733).
    var dtmfDigits = 0
    /// Round-trip time from the caller's RTCP reports (RFC 3550 §6.4.1), milliseconds.
    var roundTripMilliseconds: Double?
    /// The fraction of our packets the caller reports lost (0…1).
    var remoteFractionLost: Double?
    /// RTCP compound reports sent.
    var rtcpSent = 0
    /// The SRTP suite when the caller's leg is `RTP/SAVP` (RFC 4568 name), `nil` for plain RTP.
    var srtp: String?
    /// SRTP/SRTCP packets that failed authentication or the replay check (dropped).
    var srtpFailures = 0
    /// From the first `playAudio` of the call to its first RTP packet, microseconds.
    var firstAudioDelayMicroseconds: Int?
    /// Payload bytes sent to the caller.
    var bytesOut = 0
    /// DTMF key presses sent to the caller (`sendDTMF`).
    var dtmfDigitsSent = 0
    /// Times the AI's audio ran out mid-speech: the playout queue ran dry, at least one 20 ms
    /// slot went out without AI audio, and audio resumed within 300 ms with no `clearAudio`
    /// between (the AI server fell behind real time; the caller heard a gap).
    var playoutUnderruns = 0
    /// Bytes of AI audio refused because `rtp.max_queued_s` was reached.
    var playoutBytesDropped = 0
    /// Estimated listening quality of the caller's audio as the bridge receives it: ITU-T G.107
    /// E-model from loss (lost + late) and one-way delay (RTT/2 + 20 ms packetisation + the
    /// reorder window), 1…4.5; `nil` before any RTP.
    var mos: Double?
}
