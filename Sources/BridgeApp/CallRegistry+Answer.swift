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
