import NIOCore

/// A change to an established session that the application must see (RFC 3261 §14,
/// RFC 3311, RFC 3264 §8).
public enum SessionUpdate: Sendable {
    /// A re-INVITE or UPDATE carried a new offer: hold, resume, a new address or codec list.
    /// The application answers with `UserAgent.answerUpdate(_:sdp:)` or refuses with
    /// `UserAgent.rejectUpdate(_:status:)` (488: the old session goes on, §14.2).
    case offer(SessionDescription)
    /// A re-INVITE without a body (§14.1): the application must send an offer in the 2xx
    /// (its current session, `UserAgent.answerUpdate(_:sdp:)`); the answer comes in the ACK.
    case offerless
    /// The ACK's answer to the offer the bridge put in a 2xx for an offerless re-INVITE.
    case answer(SessionDescription)
}

/// The state of an in-dialog offer/answer exchange the UAS core is in the middle of.
enum SessionUpdateState {
    /// The application has not answered yet; the request's transaction is waiting.
    case awaitingApplication(key: TransactionKey, request: SIPMessage, peer: SIPPeer, offerless: Bool)
    /// The re-INVITE's 2xx is out and is retransmitted until its ACK (§13.3.1.4, §14.2).
    case awaitingAck(response: SIPMessage, cseq: UInt32, interval: TimeAmount, offerless: Bool)
}
