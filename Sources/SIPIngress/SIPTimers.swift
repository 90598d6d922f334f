public import NIOCore

/// The timers of RFC 3261 §17 (Table 4 in Appendix A) plus Timer L of RFC 6026 §8.
///
/// Each case names a timer a transaction or session schedules; the values come from
/// `SIPTimerValues`. State machines return them in actions and never read a clock.
public enum SIPTimer: Hashable, Sendable, CaseIterable {
    /// INVITE client request retransmit interval, UDP only (§17.1.1.2): T1, doubling.
    case A
    /// INVITE client transaction timeout (§17.1.1.2): 64·T1.
    case B
    /// Wait time for response retransmits in the INVITE client's Completed state (§17.1.1.2).
    case D
    /// Non-INVITE client request retransmit interval, UDP only (§17.1.2.2): T1 doubling to T2.
    case E
    /// Non-INVITE client transaction timeout (§17.1.2.2): 64·T1.
    case F
    /// INVITE final response retransmit interval, UDP only (§17.2.1): T1 doubling to T2.
    /// The UAS core uses the same schedule for 2xx retransmission (§13.3.1.4).
    case G
    /// Wait time for ACK receipt (§17.2.1): 64·T1. Also bounds 2xx retransmission (§13.3.1.4).
    case H
    /// Wait time for ACK retransmits in the INVITE server's Confirmed state (§17.2.1): T4 (UDP).
    case I
    /// Wait time for non-INVITE request retransmits in the server's Completed state
    /// (§17.2.2): 64·T1 (UDP).
    case J
    /// Wait time for response retransmits in the non-INVITE client's Completed state
    /// (§17.1.2.2): T4 (UDP).
    case K
    /// Wait time for INVITE retransmissions in the INVITE server's Accepted state
    /// (RFC 6026 §8.7): 64·T1.
    case L
}

/// The base timer values T1, T2, T4 (RFC 3261 §17.1.1.1, Table 4) and the timers derived
/// from them. Configurable, because carriers on long-haul links sometimes need a larger T1.
public struct SIPTimerValues: Hashable, Sendable {
    /// RTT estimate (default 500 ms).
    public var t1: TimeAmount
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s).
    public var t2: TimeAmount
    /// Maximum duration a message remains in the network (default 5 s).
    public var t4: TimeAmount

    /// Creates timer values; the defaults are RFC 3261's.
    public init(t1: TimeAmount = .milliseconds(500), t2: TimeAmount = .seconds(4), t4: TimeAmount = .seconds(5)) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
    }

    /// 64·T1: Timers B, F, H, J and L.
    public var transactionTimeout: TimeAmount { .nanoseconds(t1.nanoseconds * 64) }

    /// Timer D: at least 32 s for unreliable transports, zero for reliable (§17.1.1.2).
    public func timerD(reliable: Bool) -> TimeAmount { reliable ? .zero : .seconds(32) }

    /// The next retransmit interval after `interval`: doubled, capped at T2 when `capped`
    /// (Timers E and G are capped; Timer A is not, §17.1.1.2).
    public func backoff(_ interval: TimeAmount, capped: Bool = true) -> TimeAmount {
        let doubled = TimeAmount.nanoseconds(interval.nanoseconds * 2)
        return capped ? min(doubled, t2) : doubled
    }
}
