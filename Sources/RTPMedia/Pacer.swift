public import NIOCore

/// The 20 ms clock of the return path. Deadlines are computed from the stream start
/// (`start + n × 20 ms`), never by adding 20 ms to the last wake-up, so the cadence does not
/// drift however late individual wake-ups are. Time is an argument (STYLE.md rule 9).
public struct Pacer: Sendable {
    /// When frame 0 is due.
    public let start: NIODeadline
    /// The frame interval.
    public let interval: TimeAmount
    /// The most frames sent in one burst after a stall; older ones are skipped.
    public let maximumBurst: Int
    /// Index of the next frame to send.
    public private(set) var nextFrame: Int64 = 0

    /// Creates a pacer.
    /// - Parameters:
    ///   - start: the deadline of the first frame.
    ///   - interval: 20 ms for the bridge's packetisation.
    ///   - maximumBurst: frames sent at once when a wake-up comes very late.
    public init(start: NIODeadline, interval: TimeAmount = .milliseconds(20), maximumBurst: Int = 5) {
        precondition(maximumBurst > 0 && interval > .zero, "a pacer must be able to send")
        self.start = start
        self.interval = interval
        self.maximumBurst = maximumBurst
    }

    /// The deadline of frame `index`.
    public func deadline(ofFrame index: Int64) -> NIODeadline {
        start + .nanoseconds(interval.nanoseconds * index)
    }

    /// The deadline of the next frame to send.
    public var nextDeadline: NIODeadline { deadline(ofFrame: nextFrame) }

    /// The frame due next was sent ahead of its deadline (the first frame of a talk-spurt goes
    /// out at once instead of waiting up to 20 ms): skip its slot so the grid, and with it the
    /// RTP timestamps, stay where they were — one packet early, no drift.
    public mutating func claimNextFrame() {
        nextFrame += 1
    }

    /// What a wake-up at `now` must do. After a stall longer than `maximumBurst` frames the
    /// oldest due frames are skipped: the caller advances its RTP timestamp by `skipped`
    /// frames (`RTPSender.skip(frames:)`) and keeps its queued audio, which is delayed, not lost.
    public struct Tick: Hashable, Sendable {
        /// Frames whose deadline has passed and must be sent now.
        public var due: Int
        /// Frames skipped because the wake-up was later than `maximumBurst` frames.
        public var skipped: Int
        /// When to wake up next.
        public var next: NIODeadline
    }

    /// Advances the clock to `now`.
    public mutating func tick(now: NIODeadline) -> Tick {
        let elapsed = (now - start).nanoseconds
        let lastDue = elapsed < 0 ? -1 : elapsed / interval.nanoseconds
        var due = Int(max(0, lastDue - nextFrame + 1))
        var skipped = 0
        if due > maximumBurst {
            skipped = due - maximumBurst
            due = maximumBurst
        }
        nextFrame += Int64(due + skipped)
        return Tick(due: due, skipped: skipped, next: deadline(ofFrame: nextFrame))
    }
}
