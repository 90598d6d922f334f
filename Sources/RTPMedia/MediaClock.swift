public import NIOCore

/// What a `MediaClock` ticks: one call's pacer and reorder buffer.
public protocol MediaClockClient: AnyObject {
    /// The clock ticked; `now` is the time of the tick (on the clock's event loop). Work that
    /// cannot wait (pacing frames out) is done here. Returns whether a deadline of received
    /// media has passed: those are settled once the loop has read its sockets.
    func mediaClockTicked(now: NIODeadline) -> Bool
    /// The loop has read its sockets since a tick at which this or another client had a media
    /// deadline pass: declare what is still missing as of `now`, the time of that read.
    func mediaClockSettled(now: NIODeadline)
}

/// One 5 ms clock per event loop that drives the timed media work of every call on the loop
/// (issue 7: "a per-loop pacer tick instead of a timer per call"). Each call used to keep two
/// timers in flight — its 20 ms pacer and its reorder buffer's deadline — so a loop with 100
/// calls scheduled, allocated and popped 10 000 timer tasks a second from a heap of hundreds;
/// now it runs 200 ticks a second and each call compares two deadlines per tick.
///
/// Ticks fall on a fixed grid (`epoch + n × resolution`, absolute deadlines, so the grid never
/// drifts); a call's 20 ms frame grid starts on a tick (`tick(atOrAfter:)`), so its frames fall
/// due exactly on ticks and go out when the tick runs. Deadlines between ticks (a reorder
/// buffer's hold) are met within one resolution. The clock runs only while it has clients.
///
/// Confined to its event loop: every method must be called there (like a NIO channel's state).
/// Time is the loop's (`EventLoop.now`), so an `EmbeddedEventLoop` drives it in tests.
public final class MediaClock: @unchecked Sendable {
    /// The loop the clock and its clients run on.
    public let eventLoop: any EventLoop
    /// Time between ticks.
    public let resolution: TimeAmount
    private let epoch: NIODeadline
    private var clients: [any MediaClockClient] = []
    /// Whether a tick is scheduled (never cancelled: see `remove`).
    private var tickPending = false
    /// What the loop calls at each tick: made once, so scheduling a tick allocates nothing
    /// (`scheduleTask` made a promise, a future and two closures: 4 `malloc`s per tick).
    private lazy var tickHandler = TickHandler(clock: self)
    /// Runs the settling after the loop's next socket pass (`nil`: at once, after the tick).
    private var wakeup: LoopWakeup?
    /// Ticks run since the clock was created.
    public private(set) var ticks = 0

    /// Creates a stopped clock.
    /// - Parameters:
    ///   - eventLoop: the loop whose calls it drives.
    ///   - resolution: the tick interval (5 ms: 20 ms frames fall on every fourth tick).
    ///   - epoch: where the grid starts (default: the loop's now).
    ///   - settlesAfterSocketPass: settle media deadlines only after the loop's next pass
    ///     over its sockets (`LoopWakeup`: a loopback socket of its own); off, they settle
    ///     right after the tick (an `EmbeddedEventLoop` has no socket pass).
    public init(
        eventLoop: any EventLoop, resolution: TimeAmount = .milliseconds(5), epoch: NIODeadline? = nil,
        settlesAfterSocketPass: Bool = false
    ) {
        precondition(resolution > .zero, "a clock must advance")
        self.eventLoop = eventLoop
        self.resolution = resolution
        self.epoch = epoch ?? eventLoop.now
        if settlesAfterSocketPass {
            let wakeup = LoopWakeup(eventLoop: eventLoop) { [weak self] pass in self?.settle(asOf: pass) }
            self.wakeup = wakeup
            eventLoop.execute { wakeup.prepare() }
        }
    }

    /// The number of clients being ticked.
    public var clientCount: Int { clients.count }

    /// The first tick at or after `time`: where a call's frame grid starts.
    public func tick(atOrAfter time: NIODeadline) -> NIODeadline {
        let elapsed = (time - epoch).nanoseconds
        let step = resolution.nanoseconds
        let index = elapsed <= 0 ? 0 : (elapsed + step - 1) / step
        return epoch + .nanoseconds(index * step)
    }

    /// Starts ticking `client` (from the next tick on).
    public func add(_ client: any MediaClockClient) {
        eventLoop.assertInEventLoop()
        guard !clients.contains(where: { $0 === client }) else { return }
        clients.append(client)
        if !tickPending { schedule(after: eventLoop.now) }
    }

    /// Stops ticking `client`; the clock stops when the last one goes, at its pending tick,
    /// which finds no client and schedules no other. That tick is not cancelled: the loop may
    /// already have taken it from its timer heap in the batch that runs this call, and then it
    /// runs anyway. Left pending, it also serves a client added before it falls due, so the
    /// clock never has two ticks in flight.
    public func remove(_ client: any MediaClockClient) {
        eventLoop.assertInEventLoop()
        guard let index = clients.firstIndex(where: { $0 === client }) else { return }
        clients.remove(at: index)
    }

    private func schedule(after now: NIODeadline) {
        let elapsed = max(0, (now - epoch).nanoseconds)
        let next = epoch + .nanoseconds((elapsed / resolution.nanoseconds + 1) * resolution.nanoseconds)
        tickPending = (try? eventLoop.assumeIsolated().scheduleCallback(at: next, handler: tickHandler)) != nil
    }

    /// Fires the clock's ticks (`NIOScheduledCallbackHandler`). Weak: a clock dropped with a
    /// tick pending is simply gone when the tick comes.
    private final class TickHandler: NIOScheduledCallbackHandler {
        weak var clock: MediaClock?
        init(clock: MediaClock) { self.clock = clock }
        func handleScheduledCallback(eventLoop: some EventLoop) { clock?.fire() }
    }

    private func fire() {
        tickPending = false
        guard !clients.isEmpty else { return }
        let now = eventLoop.now
        ticks += 1
        // A client that ends during its tick removes itself; the copy keeps this tick's list.
        // One added during the tick has already scheduled the next (`tickPending` is set again).
        let current = clients
        var unsettled = false
        for client in current {
            if client.mediaClockTicked(now: now) { unsettled = true }
        }
        if !tickPending, !clients.isEmpty { schedule(after: now) }
        guard unsettled else { return }
        if let wakeup { wakeup.request() } else { settle(asOf: now) }
    }

    /// `time`: when the loop last read its sockets (what is judged missing is judged as of then).
    private func settle(asOf time: NIODeadline) {
        for client in clients { client.mediaClockSettled(now: time) }
    }
}
