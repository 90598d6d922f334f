/// What one call has added to the Prometheus media counters so far. Counters only grow, so a
/// scrape adds each field's growth since the last report; a field that went down (a late
/// packet turning "lost" into "late", RFC 3550 §A.3) waits until it passes the reported value.
struct MediaCounters: Sendable {
    /// The counted `MediaStats` fields, each one Prometheus series.
    enum Field: Int, CaseIterable {
        case packetsIn, packetsOut, bytesIn, bytesOut, lost, late, underruns, mediaSent, playAudioReceived, mediaDropped, malformed

        /// Series name (under `sipbridge_`, with `_total`), labels and help.
        var metric: (name: String, labels: [(String, String)], help: String) {
            switch self {
            case .packetsIn: ("rtp_packets", [("direction", "in")], "RTP packets, by direction (in: from the caller)")
            case .packetsOut: ("rtp_packets", [("direction", "out")], "RTP packets, by direction (in: from the caller)")
            case .bytesIn: ("rtp_payload_bytes", [("direction", "in")], "RTP payload bytes, by direction")
            case .bytesOut: ("rtp_payload_bytes", [("direction", "out")], "RTP payload bytes, by direction")
            case .lost: ("rtp_lost", [("direction", "in")], "Caller RTP packets lost (RFC 3550 A.3)")
            case .late: ("rtp_late", [("direction", "in")], "Caller RTP packets too late to play")
            case .underruns: ("playout_underruns", [], "AI audio ran out mid-speech")
            case .mediaSent: ("ws_messages", [("direction", "out"), ("event", "media")], "WebSocket messages, by direction and event")
            case .playAudioReceived:
                ("ws_messages", [("direction", "in"), ("event", "playAudio")], "WebSocket messages, by direction and event")
            case .mediaDropped: ("ws_failures", [("reason", "media_dropped")], BridgeMetrics.wsFailuresHelp)
            case .malformed: ("ws_failures", [("reason", "malformed_message")], BridgeMetrics.wsFailuresHelp)
            }
        }

        func value(_ stats: MediaStats) -> Int {
            switch self {
            case .packetsIn: stats.packetsIn
            case .packetsOut: stats.packetsOut
            case .bytesIn: stats.bytesIn
            case .bytesOut: stats.bytesOut
            case .lost: stats.lost
            case .late: stats.late
            case .underruns: stats.playoutUnderruns
            case .mediaSent: stats.mediaSent
            case .playAudioReceived: stats.playAudioReceived
            case .mediaDropped: stats.wsMediaDropped
            case .malformed: stats.wsMalformedMessages
            }
        }
    }

    private var reported = [Int](repeating: 0, count: Field.allCases.count)

    /// Calls `add` with each field's growth since the last report and remembers the new values.
    mutating func report(_ stats: MediaStats, _ add: (Field, Int) -> Void) {
        for field in Field.allCases {
            let value = field.value(stats)
            guard value > reported[field.rawValue] else { continue }
            add(field, value - reported[field.rawValue])
            reported[field.rawValue] = value
        }
    }
}

extension Call.EndReason {
    /// `sipbridge_calls_ended_total{reason}`.
    var metricLabel: String {
        switch self {
        case .callerHungUp: "caller_hangup"
        case .callerCancelled: "caller_cancel"
        case .noAck: "no_ack"
        case .sessionExpired: "session_expired"
        case .streamStopped: "ai_stop"
        case .streamClosed: "ai_closed"
        case .streamTimeout: "stream_timeout"
        case .mediaTimeout: "media_timeout"
        case .setupFailed: "setup_failed"
        case .bridgeHungUp: "bridge_hangup"
        case .shutdown: "shutdown"
        }
    }
}

extension Call {
    /// Adds this call's media counter growth to `/metrics` (on a scrape).
    func reportMetrics() {
        metrics?.add(&reportedCounters, stats)
    }
}
