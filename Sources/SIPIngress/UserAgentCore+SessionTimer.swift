import Logging
import NIOCore

/// RFC 4028 session timers as UAS: the interval agreed in each 2xx starts a timer; as
/// refresher the bridge sends a bodyless UPDATE at half the interval (§10, RFC 3311), else it
/// ends a session nobody refreshed with BYE (§10).
extension UserAgentCore {
    /// Arms (or disarms) the session timer after a 2xx that carried `timer`'s headers.
    func startSessionTimer(_ id: SessionID, _ timer: SessionTimerNegotiation) {
        sessions[id]?.sessionTimer = timer
        cancelTimer(.sessionTimer(id))
        guard let seconds = timer.deadline else { return }
        schedule(.sessionTimer(id), after: .seconds(Int64(seconds)))
    }

    func sessionTimerFired(_ id: SessionID) {
        guard let entry = sessions[id], case .active(let interval, let refresher) = entry.sessionTimer else { return }
        guard refresher == .uas else {
            logger.info(
                "session timer expired: no refresh from the caller",
                metadata: ["sip.call_id": "\(entry.session.invite.callID)", "session_expires": "\(interval)"])
            return expire(id)
        }
        let branch = branch()
        var refresh: SIPMessage?
        _ = mutateSession(id) { session in
            refresh = session.makeRequest(.update, branch: branch)
            return []
        }
        guard var request = refresh else { return }
        request.otherHeaders += [
            SIPHeader("Session-Expires", "\(interval);refresher=uas"), SIPHeader("Supported", "timer"),
            SIPHeader("Min-SE", "\(sessionTimerSettings.minimumSessionExpires)"),
        ]
        startClientTransaction(request, branch: branch, peer: entry.peer, session: id)
    }

    /// The caller answered the bridge's refresh: 2xx re-arms the timer; 408, 481 or no answer
    /// mean the session is gone (§10: BYE); anything else is retried at a quarter interval.
    func refreshAnswered(_ id: SessionID, status: Int) {
        guard let timer = sessions[id]?.sessionTimer, case .active(let interval, _) = timer else { return }
        switch status {
        case 200..<300:
            startSessionTimer(id, timer)
        case 408, 481:
            logger.info("session refresh failed; hanging up", metadata: ["status": "\(status)"])
            expire(id)
        default:
            schedule(.sessionTimer(id), after: .seconds(Int64(max(1, interval / 4))))
        }
    }

    private func expire(_ id: SessionID) {
        cancelTimer(.sessionTimer(id))
        let reason = SIPHeader("Reason", "SIP;cause=408;text=\"Session timer expired\"")
        let branch = branch()
        runSession(id) { $0.hangUp(branch: branch, status: 408, headers: [reason], reason: .sessionExpired) }
    }
}
