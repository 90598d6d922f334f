import NIOCore
import SIPIngress

extension CallRegistry {
    /// Answers a call whose stream is up, as its route's `answer` mode says: at once; after
    /// `answer_delay_ms` of ringing (the 180 went out with the 100); or with 183 and the SDP
    /// first, media flowing both ways from then on (RFC 3960 early media), and 200 after the
    /// delay. Runs on the call's loop; a call that ends meanwhile is not answered.
    func answer(_ call: Call, sdp: String, userAgent: UserAgent, offeredAt: ContinuousClock.Instant) {
        let route = call.route
        let accept = {
            guard !call.isEnded else { return }
            userAgent.accept(call.sessionID, sdp: sdp)
            if route.answer != .earlyMedia { call.answered() }
            self.metrics.callAnswered(setup: ContinuousClock.now - offeredAt)
        }
        switch route.answer {
        case .immediate:
            return accept()
        case .ringing:
            break
        case .earlyMedia:
            userAgent.provisional(call.sessionID, status: 183, sdp: sdp)
            call.answered()
        }
        call.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(route.answerDelayMilliseconds))) { accept() }
    }
}

extension CallRegistry {
    /// The `Warning` of a 488 (RFC 3261 §20.43): `302 Incompatible transport protocol` when the
    /// offer's RTP profile is what `rtp.srtp` refuses (SRTP off, SDES keys over a hop that is
    /// not TLS, or plain RTP where SRTP is required), else `304 Media type not available`.
    static func mediaWarning(_ call: IncomingCall, _ srtp: BridgeConfig.SRTP) -> String {
        let profiles = Set(call.offer.media.filter { $0.media.lowercased() == "audio" }.map { $0.proto.uppercased() })
        let keysAllowed = srtp.allowsKeys(secureSignalling: call.transport.isSecure)
        if profiles == ["RTP/SAVP"], !keysAllowed {
            let why = srtp.mode == .off ? "SRTP is off (rtp.srtp.mode)" : "SDES keys need TLS signalling (RFC 4568 section 8.3)"
            return "302 sipbridge \"Incompatible transport protocol: \(why)\""
        }
        if let other = profiles.subtracting(["RTP/AVP", "RTP/SAVP"]).sorted().first, profiles.isDisjoint(with: ["RTP/AVP", "RTP/SAVP"]) {
            // e.g. RTP/SAVPF (RFC 5124) or UDP/TLS/RTP/SAVP (DTLS-SRTP, RFC 5764): not offered by trunks.
            return "302 sipbridge \"Incompatible transport protocol: \(other) is not supported\""
        }
        if srtp.mode == .require, !profiles.contains("RTP/SAVP") {
            return "302 sipbridge \"Incompatible transport protocol: SRTP required\""
        }
        return "304 sipbridge \"Media type not available\""
    }
}
