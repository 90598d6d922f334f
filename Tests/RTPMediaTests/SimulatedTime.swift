import NIOCore

/// Suites that drive a clock by hand (STYLE.md rule 9: time is an argument) share one start
/// deadline and count from it.
protocol SimulatedTime {}

extension SimulatedTime {
    /// Frame 0's deadline in every such suite.
    static var start: NIODeadline { .uptimeNanoseconds(5_000_000_000) }
    /// One millisecond in nanoseconds.
    static var millisecond: Int64 { 1_000_000 }

    /// `start + offset` nanoseconds.
    func at(_ offset: Int64) -> NIODeadline {
        Self.start + .nanoseconds(offset)
    }
}
