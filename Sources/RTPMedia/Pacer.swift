public import NIOCore

/// The 20 ms clock of the return path. Deadlines are computed from the stream start
/// (`start + n × 20 ms`), never by adding 20 ms to the last wake-up, so the cadence does not
/// drift however late individual wake-ups are. Time is an argument (STYLE.md rule 9).
public struct Pacer: Sendable {
    /// When frame 0 is due: moved at a talk-spurt's start (`claimTalkSpurt(slot:)`) and, a
    /// little, with each frame of a real-time stream (`track(arrival:slot:target:)`).
    public private(set) var start: NIODeadline
    /// The frame interval.
    public let interval: TimeAmount
    /// The most frames sent in one burst after a stall; older ones are skipped.
    public let maximumBurst: Int
    /// How much more than one interval ahead of its slot a frame may go out when it arrives
    /// to an empty queue (`claimNextFrame(arrival:)`): the jitter of the AI server's arrivals
    /// that does not cost a whole slot of waiting.
    public let earlyTolerance: TimeAmount
    /// How long after its deadline a slot waits for audio while the AI server is streaming
    /// (`tick(now:awaitingAudio:)`), so that a frame arriving a little late still fills it.
    public let lateTolerance: TimeAmount
    /// Index of the next frame to send.
    public private(set) var nextFrame: Int64 = 0

    /// Creates a pacer.
    /// - Parameters:
    ///   - start: the deadline of the first frame.
    ///   - interval: 20 ms for the bridge's packetisation.
    ///   - maximumBurst: frames sent at once when a wake-up comes very late.
    ///   - earlyTolerance: see `earlyTolerance` (the bridge uses its media clock's resolution,
    ///     the granularity its slots are kept with anyway).
    ///   - lateTolerance: see `lateTolerance` (the bridge: one media clock tick).
    public init(
        start: NIODeadline, interval: TimeAmount = .milliseconds(20), maximumBurst: Int = 5,
        earlyTolerance: TimeAmount = .zero, lateTolerance: TimeAmount = .zero
    ) {
        precondition(maximumBurst > 0 && interval > .zero && earlyTolerance >= .zero, "a pacer must be able to send")
        precondition(lateTolerance >= .zero && lateTolerance < interval, "a slot waits less than one interval")
        self.start = start
        self.interval = interval
        self.maximumBurst = maximumBurst
        self.earlyTolerance = earlyTolerance
        self.lateTolerance = lateTolerance
    }

    /// The deadline of frame `index`.
    public func deadline(ofFrame index: Int64) -> NIODeadline {
        start + .nanoseconds(interval.nanoseconds * index)
    }

    /// The deadline of the next frame to send.
    public var nextDeadline: NIODeadline { deadline(ofFrame: nextFrame) }

    /// Audio arrived at `arrival` to an empty queue: may its frame go out now instead of at its
    /// slot? Yes when that slot is due within one interval plus `earlyTolerance` of the
    /// arrival; the slot is then claimed, so the grid, and with it the RTP timestamps, stay
    /// where they were — the packet leaves early, nothing drifts. No when the slot is further
    /// ahead (the slot before it was claimed early too and the audio came sooner than real
    /// time): the frame waits for its deadline.
    ///
    /// The tolerance matters for an AI server that streams in real time. Each frame arrives
    /// about one interval after the previous one, which claimed the slot after the one it was
    /// sent in; with no tolerance, a frame arriving a little early against that claim (the
    /// arrival phase sat just before a slot boundary) waited almost a whole interval, and every
    /// later frame queued behind it for the rest of the utterance (p99 21 ms where p90 was
    /// 0.8 ms under load). Whatever the tolerance, a packet leaves at most one interval plus
    /// the tolerance before its slot, and at most two leave at one instant.
    public mutating func claimNextFrame(arrival: NIODeadline) -> Bool {
        guard nextDeadline <= arrival + interval + earlyTolerance else { return false }
        nextFrame += 1
        return true
    }

    /// Audio that starts a talk-spurt arrived to an empty queue: its frame goes out now, and
    /// the grid moves so that the slot it claims falls due at `slot`.
    ///
    /// The first packet of a talk-spurt carries the marker bit (RFC 3551 §4.1), at which a
    /// receiver re-synchronises its playout, so the grid may move there by as much as an
    /// interval without a receiver hearing it; timestamps go on one frame apart. What the move is for:
    /// an AI server streaming in real time sends each next frame about one interval after the
    /// previous one, with jitter either way, and each is sent on arrival only between
    /// `interval + earlyTolerance` before its slot and `lateTolerance` after it. Where the
    /// slots of silence before the talk-spurt left the grid, a stream whose first frame came
    /// just before a slot boundary had only `lateTolerance` of room for a late frame, which
    /// then found its slot gone (silence, an underrun) and the stream a frame behind. With
    /// `slot` about half an interval after the arrival (the bridge: the first clock tick
    /// 10 ms or more after it), the stream's arrivals sit in the middle of that window.
    public mutating func claimTalkSpurt(slot: NIODeadline) {
        start = slot - .nanoseconds(interval.nanoseconds * nextFrame)
        nextFrame += 1
    }

    /// A frame of a talk-spurt claimed the slot due at `slot` on its arrival at `arrival`
    /// (`claimNextFrame(arrival:)`): the grid moves an eighth of the way towards putting that
    /// slot `target` after the arrival (the bridge: half an interval, where a talk-spurt's
    /// first frame puts it), the slots after it with it.
    ///
    /// A fixed grid serves a stream that keeps time. An AI server that paces itself with sleeps
    /// and restarts its schedule from a late wake-up (Pipecat's websocket output does) loses
    /// that lateness every time and never makes it up: its frames drift later against a fixed
    /// grid until one comes later than the tick's wait and its slot goes out silent. Tracked
    /// this way, a drift of d per frame leaves the frames about 8·d off `target`, while one
    /// frame's jitter moves the grid an eighth of it and the frames after it draw it back.
    /// Timestamps go on one frame apart; the receiver sees the grid's steps as jitter.
    public mutating func track(arrival: NIODeadline, slot: NIODeadline, target: TimeAmount) {
        let error = (slot - arrival) - target
        start = start - .nanoseconds(error.nanoseconds / 8)
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
    ///
    /// `awaitingAudio`: the queue is empty but the last slot carried audio, so the AI server
    /// is probably streaming in real time and its next frame is on its way. A slot then falls
    /// due only `lateTolerance` after its deadline: a frame arriving in between still fills
    /// it (`claimNextFrame(arrival:)` takes a slot whose deadline has passed), a little late
    /// instead of a slot of silence followed by the frame a whole slot early. Without it, an
    /// AI stream whose frames went out ahead of their slots stayed one frame behind after
    /// one such late frame, every later frame waiting up to a whole slot in the queue until
    /// the next pause. What the wait costs when the stream has really stopped: its first
    /// silence packet leaves `lateTolerance` late (RFC 3550 §5.1: its timestamp is the
    /// slot's all the same).
    public mutating func tick(now: NIODeadline, awaitingAudio: Bool = false) -> Tick {
        let now = awaitingAudio ? now - lateTolerance : now
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
