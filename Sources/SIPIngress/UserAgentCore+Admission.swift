import Logging
import NIOCore

extension UserAgentCore {
    /// Applies the admission rules to a request before it reaches any transaction: the source
    /// allow-list (a bare 403 without `Server`, or silence), loop protection for new INVITEs (483, RFC 3261 §16.3 —
    /// Max-Forwards 0 cannot have reached a UAS without a loop or a misconfigured proxy; OPTIONS
    /// with 0 is still answered, §11 and RFC 4475 §3.3.11), and the per-source INVITE rate
    /// (503 + Retry-After, §21.5.4).
    /// - Returns: whether the request goes on to normal processing.
    func admits(_ request: SIPMessage, method: SIPMethod, key: TransactionKey, peer: SIPPeer) -> Bool {
        let source = peer.ipAddress ?? ""
        // A retransmission is answered by the transaction the first copy created.
        if serverTransactions[key] != nil { return true }
        if !admission.trusts(source) {
            rejectedRequests += 1
            logger.debug("request from an untrusted source", metadata: ["peer": "\(peer)", "method": "\(method.rawValue)"])
            if method != .ack && admission.untrustedAction == .reject {
                respond(to: request, key: key, peer: peer, status: 403, anonymous: true)
            }
            return false
        }
        guard method == .invite, request.toTag == nil else { return true }
        if request.maxForwards == 0 {
            respond(to: request, key: key, peer: peer, status: 483)
            return false
        }
        // Admitted in place: a copy taken out and written back would copy the limiter's table
        // of sources on every INVITE (the stored one still shares it while the copy mutates).
        if let wait = rateLimiter?.admit(source, now: clock()) {
            rejectedRequests += 1
            respond(to: request, key: key, peer: peer, status: 503, reason: "Rate Limited",
                    headers: [SIPHeader("Retry-After", "\(wait)")])
            return false
        }
        return true
    }
}
