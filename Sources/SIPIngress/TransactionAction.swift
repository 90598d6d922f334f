public import NIOCore

/// What a transaction state machine asks its driver to do (STYLE.md rule 4). The driver sends
/// messages to the transaction's peer, schedules and cancels timers on the event loop, and
/// forgets the transaction once it reports `.terminated`.
public enum TransactionAction: Sendable {
    /// Send this message to the transaction's peer (a response for a server transaction, the
    /// request for a client transaction).
    case send(SIPMessage)
    /// Start (or restart) a timer.
    case schedule(SIPTimer, after: TimeAmount)
    /// Stop a timer.
    case cancel(SIPTimer)
    /// Hand a response to the transaction user (client transactions only).
    case deliver(SIPMessage)
    /// The transaction gave up: no final response (Timers B/F) or no ACK (Timer H); the
    /// transaction user is told (RFC 3261 §17.1.1.2, §17.2.1).
    case timedOut
    /// The transaction is over; the driver removes it.
    case terminated
}
