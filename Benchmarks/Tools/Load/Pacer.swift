import NIOCore

/// Something that sends one frame per 20 ms.
protocol PacedSender: AnyObject {
    func sendFrame()
}

/// When the generator's calls send within each 20 ms period.
enum PacerPhases: String, CaseIterable, Sendable {
    /// Spread evenly over the period, as independent calls from a carrier arrive: each call
    /// keeps its own phase (one of 20 slots a millisecond apart, taken in turn as calls are
    /// answered; the second event loop's slots half a millisecond after the first's).
    case spread
    /// Every call of an event loop in one burst per period (the generator's behaviour until
    /// 2026-11-28): the last packet of a burst waits behind all the others, in the generator,
    /// the kernel and the bridge alike.
    case aligned

    /// Slots per 20 ms period.
    var slots: Int { self == .spread ? 20 : 1 }
}

/// Sends every answered call's frame once per 20 ms on one clock per event loop. The period is
/// cut into `slots` equal slots; each call is put in one (round robin) and sends when its slot
/// comes, so a call's frames stay 20 ms apart while the loop's calls are spread over the
/// period. Deadlines are absolute, so the cadence does not drift with the work done per slot.
final class Pacer: @unchecked Sendable {
    static let period = TimeAmount.milliseconds(20)
    private let eventLoop: any EventLoop
    private let measurements: Measurements
    private let interval: TimeAmount
    /// Where this loop's slots sit inside a slot interval (loops interleave their slots).
    private let offset: TimeAmount
    private var slots: [[ObjectIdentifier: any PacedSender]]
    private var slotOf: [ObjectIdentifier: Int] = [:]
    /// The slot the next added sender goes to.
    private var nextFree = 0
    /// The slot sent at the next tick.
    private var current = 0
    private var next: NIODeadline?

    /// - Parameters:
    ///   - phases: how the loop's calls are placed in the period.
    ///   - loop: this pacer's loop's number among `loops` (spread: its slots are offset by
    ///     `loop / loops` of a slot, so two loops do not send at the same instants).
    init(eventLoop: any EventLoop, measurements: Measurements, phases: PacerPhases, loop: Int = 0, loops: Int = 1) {
        self.eventLoop = eventLoop
        self.measurements = measurements
        interval = .nanoseconds(Self.period.nanoseconds / Int64(phases.slots))
        offset = .nanoseconds(interval.nanoseconds * Int64(loop) / Int64(max(loops, 1)))
        slots = Array(repeating: [:], count: phases.slots)
    }

    func add(_ sender: any PacedSender) {
        let id = ObjectIdentifier(sender)
        guard slotOf[id] == nil else { return }
        slots[nextFree][id] = sender
        slotOf[id] = nextFree
        nextFree = (nextFree + 1) % slots.count
        if next == nil {
            let start = NIODeadline.now() + offset
            next = start
            eventLoop.assumeIsolated().scheduleTask(deadline: start) { self.tick() }
        }
    }

    func remove(_ sender: any PacedSender) {
        let id = ObjectIdentifier(sender)
        guard let slot = slotOf.removeValue(forKey: id) else { return }
        slots[slot][id] = nil
    }

    private func tick() {
        guard let deadline = next else { return }
        let start = NIODeadline.now()
        for sender in slots[current].values { sender.sendFrame() }
        current = (current + 1) % slots.count
        var following = deadline + interval
        let now = NIODeadline.now()
        // How late the slot began and how long its sends took: the caller side's own lateness.
        measurements.pacerTicked(lag: start - deadline, work: now - start)
        if following < now { following = now }  // after a stall, do not burst
        next = following
        eventLoop.assumeIsolated().scheduleTask(deadline: following) { self.tick() }
    }
}
