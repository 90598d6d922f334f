/// The non-INVITE server transaction of RFC 3261 §17.2.2 (BYE, CANCEL, OPTIONS, ...).
///
/// ```
///  request → Trying ──1xx──▶ Proceeding ──200-699──▶ Completed ──Timer J──▶ Terminated
///              └──────────200-699──────────────────────▲
/// ```
public struct NonInviteServerTransaction: Sendable {
    private enum State: Sendable {
        case trying
        case proceeding(lastProvisional: SIPMessage)
        case completed(finalResponse: SIPMessage)
        case terminated
    }

    private var state: State = .trying
    private let timers: SIPTimerValues
    private let reliable: Bool

    /// Creates the transaction for a received request.
    /// - Parameters:
    ///   - timers: T1/T2/T4.
    ///   - reliable: whether the transport is reliable (Timer J is then zero).
    public init(timers: SIPTimerValues, reliable: Bool) {
        self.timers = timers
        self.reliable = reliable
    }

    /// Whether the transaction has reached Terminated.
    public var isTerminated: Bool {
        if case .terminated = state { return true }
        return false
    }

    /// The TU sends a response. Responses after the final one are ignored (§17.2.2).
    public mutating func send(_ response: SIPMessage) -> [TransactionAction] {
        guard let status = response.statusCode else { return [] }
        switch state {
        case .trying, .proceeding:
            if status < 200 {
                state = .proceeding(lastProvisional: response)
                return [.send(response)]
            }
            if reliable {
                state = .terminated
                return [.send(response), .terminated]
            }
            state = .completed(finalResponse: response)
            return [.send(response), .schedule(.J, after: timers.transactionTimeout)]
        case .completed, .terminated:
            return []
        }
    }

    /// A retransmission of the request arrived: absorbed in Trying, answered with the last
    /// response otherwise (§17.2.2).
    public mutating func receivedRequest() -> [TransactionAction] {
        switch state {
        case .trying, .terminated: []
        case .proceeding(let response), .completed(let response): [.send(response)]
        }
    }

    /// A timer fired.
    public mutating func timerFired(_ timer: SIPTimer) -> [TransactionAction] {
        guard case .completed = state, timer == .J else { return [] }
        state = .terminated
        return [.terminated]
    }
}
