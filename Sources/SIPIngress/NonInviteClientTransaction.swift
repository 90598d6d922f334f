import NIOCore

/// The non-INVITE client transaction of RFC 3261 §17.1.2 (the bridge's BYE).
///
/// ```
///  send → Trying ──1xx──▶ Proceeding ──200-699──▶ Completed ──Timer K──▶ Terminated
///           ├──200-699──────────────────────────────▲
///           └──Timer F (either state)──▶ Terminated (timed out)
/// ```
public struct NonInviteClientTransaction: Sendable {
    private enum State: Sendable {
        case trying(retransmitInterval: TimeAmount)
        case proceeding
        case completed
        case terminated
    }

    private var state: State
    private let request: SIPMessage
    private let timers: SIPTimerValues
    private let reliable: Bool

    /// Creates the transaction; call `start()` to send the request.
    /// - Parameters:
    ///   - request: the request to send.
    ///   - timers: T1/T2/T4.
    ///   - reliable: whether the transport is reliable (no Timer E then, Timer K zero).
    public init(request: SIPMessage, timers: SIPTimerValues, reliable: Bool) {
        self.request = request
        self.timers = timers
        self.reliable = reliable
        self.state = .trying(retransmitInterval: timers.t1)
    }

    /// Whether the transaction has reached Terminated.
    public var isTerminated: Bool {
        if case .terminated = state { return true }
        return false
    }

    /// Sends the request and starts Timers E (UDP only) and F (§17.1.2.2).
    public func start() -> [TransactionAction] {
        if reliable { return [.send(request), .schedule(.F, after: timers.transactionTimeout)] }
        return [.send(request), .schedule(.E, after: timers.t1), .schedule(.F, after: timers.transactionTimeout)]
    }

    /// A response matched this transaction (§17.1.3).
    public mutating func received(_ response: SIPMessage) -> [TransactionAction] {
        guard let status = response.statusCode else { return [] }
        switch state {
        case .trying, .proceeding:
            if status < 200 {
                state = .proceeding
                return [.deliver(response)]
            }
            if reliable {
                state = .terminated
                return [.cancel(.E), .cancel(.F), .deliver(response), .terminated]
            }
            state = .completed
            return [.cancel(.E), .cancel(.F), .deliver(response), .schedule(.K, after: timers.t4)]
        case .completed, .terminated:
            // Retransmitted final responses are absorbed in Completed.
            return []
        }
    }

    /// A timer fired.
    public mutating func timerFired(_ timer: SIPTimer) -> [TransactionAction] {
        switch (state, timer) {
        case (.trying(let interval), .E):
            let next = timers.backoff(interval)
            state = .trying(retransmitInterval: next)
            return [.send(request), .schedule(.E, after: next)]
        case (.proceeding, .E):
            // In Proceeding the request is resent every T2 (§17.1.2.2).
            return [.send(request), .schedule(.E, after: timers.t2)]
        case (.trying, .F), (.proceeding, .F):
            state = .terminated
            return [.cancel(.E), .timedOut, .terminated]
        case (.completed, .K):
            state = .terminated
            return [.terminated]
        default:
            return []
        }
    }
}
