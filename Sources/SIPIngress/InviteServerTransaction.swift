import NIOCore

/// The INVITE server transaction of RFC 3261 §17.2.1, with the Accepted state of RFC 6026 §7.1.
///
/// ```
///  INVITE → Proceeding ──1xx──▶ Proceeding
///               │  └──2xx──▶ Accepted ──Timer L──▶ Terminated
///               └─300-699──▶ Completed ──ACK──▶ Confirmed ──Timer I──▶ Terminated
///                               └──Timer H──▶ Terminated (timed out)
/// ```
/// The 2xx itself is retransmitted by the UAS core until the ACK arrives (§13.3.1.4), not by
/// this transaction; in Accepted the transaction only absorbs INVITE retransmissions.
public struct InviteServerTransaction: Sendable {
    private enum State: Sendable {
        /// Waiting for the TU's final response; the last provisional is kept for retransmissions.
        case proceeding(lastProvisional: SIPMessage?)
        /// A 300-699 was sent; it is retransmitted on Timer G until the ACK or Timer H.
        case completed(finalResponse: SIPMessage, retransmitInterval: TimeAmount)
        /// The ACK arrived; waiting out ACK retransmissions (Timer I).
        case confirmed
        /// A 2xx was sent (RFC 6026): INVITE retransmissions are absorbed until Timer L.
        case accepted
        case terminated
    }

    private var state: State = .proceeding(lastProvisional: nil)
    private let timers: SIPTimerValues
    private let reliable: Bool

    /// Creates the transaction for a received INVITE.
    /// - Parameters:
    ///   - timers: T1/T2/T4.
    ///   - reliable: whether the transport is reliable (TCP/TLS): no retransmission timers then.
    public init(timers: SIPTimerValues, reliable: Bool) {
        self.timers = timers
        self.reliable = reliable
    }

    /// Whether the transaction has reached Terminated.
    public var isTerminated: Bool {
        if case .terminated = state { return true }
        return false
    }

    /// Whether a final response has been sent (the TU may not send another).
    public var hasFinalResponse: Bool {
        if case .proceeding = state { return false }
        return true
    }

    /// The TU sends a response (§17.2.1). A response after the final one is ignored.
    /// - Parameter response: 1xx, 2xx or 300-699.
    public mutating func send(_ response: SIPMessage) -> [TransactionAction] {
        guard case .proceeding = state, let status = response.statusCode else { return [] }
        switch status {
        case 100..<200:
            state = .proceeding(lastProvisional: response)
            return [.send(response)]
        case 200..<300:
            state = .accepted
            return [.send(response), .schedule(.L, after: timers.transactionTimeout)]
        default:
            state = .completed(finalResponse: response, retransmitInterval: timers.t1)
            // Each list made whole (appending to a one-element array copied it twice).
            if reliable { return [.send(response), .schedule(.H, after: timers.transactionTimeout)] }
            return [.send(response), .schedule(.G, after: timers.t1), .schedule(.H, after: timers.transactionTimeout)]
        }
    }

    /// A retransmission of the INVITE arrived (§17.2.1): the most recent provisional or the
    /// final non-2xx response is sent again; in Accepted the retransmission is absorbed.
    public mutating func receivedRequest() -> [TransactionAction] {
        switch state {
        case .proceeding(let lastProvisional):
            return lastProvisional.map { [.send($0)] } ?? []
        case .completed(let finalResponse, _):
            return [.send(finalResponse)]
        case .confirmed, .accepted, .terminated:
            return []
        }
    }

    /// An ACK for a non-2xx final response arrived (§17.2.1). ACKs for a 2xx belong to the
    /// dialog, not to this transaction (§17.2.3 never matches them, their branch differs).
    public mutating func receivedAck() -> [TransactionAction] {
        guard case .completed = state else { return [] }
        state = .confirmed
        if reliable {
            state = .terminated
            return [.cancel(.G), .cancel(.H), .terminated]
        }
        return [.cancel(.G), .cancel(.H), .schedule(.I, after: timers.t4)]
    }

    /// A timer fired.
    public mutating func timerFired(_ timer: SIPTimer) -> [TransactionAction] {
        switch (state, timer) {
        case (.completed(let response, let interval), .G):
            let next = timers.backoff(interval)
            state = .completed(finalResponse: response, retransmitInterval: next)
            return [.send(response), .schedule(.G, after: next)]
        case (.completed, .H):
            state = .terminated
            return [.cancel(.G), .timedOut, .terminated]
        case (.confirmed, .I), (.accepted, .L):
            state = .terminated
            return [.terminated]
        default:
            // A timer that was cancelled but had already been queued: nothing to do.
            return []
        }
    }
}
