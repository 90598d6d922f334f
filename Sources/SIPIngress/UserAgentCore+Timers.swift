import NIOCore

/// Timers on the SIP event loop (RFC 3261 §17's A–K, the session's 2xx retransmission, RFC 4028
/// session timers, registration refreshes), kept per owner. Their deadlines wait in one
/// `TimerQueue` and one loop task waits for the earliest; a timer fires when the loop's clock
/// (`EventLoop.now`, an `EmbeddedEventLoop`'s in tests) reaches its deadline, in deadline order,
/// as a task of its own would.
extension UserAgentCore {
    /// Starts (or restarts) a timer.
    func schedule(_ key: TimerKey, after delay: TimeAmount) {
        let (owner, timer) = key.parts
        let sequence = timerQueue.push(key, at: eventLoop.now + delay)
        // One lookup, whether the owner has timers yet or not.
        Self.start(timer, sequence, in: &timers[owner, default: []])
        armTimerWakeup()
    }

    private static func start(_ timer: SIPTimer?, _ sequence: UInt64, in running: inout [(timer: SIPTimer?, sequence: UInt64)]) {
        if let slot = running.firstIndex(where: { $0.timer == timer }) {
            // The earlier start is forgotten: its entry will be skipped.
            running[slot].sequence = sequence
            return
        }
        // Room for an owner's usual timers (an INVITE server transaction's G and H, a session's
        // retransmission and wait), so that starting the second does not copy.
        if running.capacity == 0 { running.reserveCapacity(4) }
        running.append((timer, sequence))
    }

    /// Stops a timer, if it runs.
    func cancelTimer(_ key: TimerKey) {
        removeTimer(key)
    }

    /// Stops every timer of `owner` (a transaction or session that has ended).
    func cancelTimers(of owner: TimerOwner) {
        timers.removeValue(forKey: owner)
    }

    private func removeTimer(_ key: TimerKey) {
        let (owner, timer) = key.parts
        guard let index = timers.index(forKey: owner),
            let slot = timers.values[index].firstIndex(where: { $0.timer == timer })
        else { return }
        timers.values[index].remove(at: slot)
        if timers.values[index].isEmpty { timers.remove(at: index) }
    }

    /// Whether `entry` is the latest start of a timer still running.
    private func isCurrent(_ entry: TimerQueue<TimerKey>.Entry) -> Bool {
        let (owner, timer) = entry.payload.parts
        return timers[owner]?.contains { $0.timer == timer && $0.sequence == entry.sequence } ?? false
    }

    /// Keeps the loop task waiting for the earliest deadline (one task, rescheduled only when
    /// a timer starts before it).
    private func armTimerWakeup() {
        if timerQueue.needsCompaction { timerQueue.compact(keeping: isCurrent) }
        guard let earliest = timerQueue.earliest else {
            timerWakeup?.task.cancel()
            timerWakeup = nil
            return
        }
        if let wakeup = timerWakeup, wakeup.deadline <= earliest { return }
        timerWakeup?.task.cancel()
        let task = eventLoop.assumeIsolated().scheduleTask(deadline: earliest) { [weak self] () -> Void in
            self?.runDueTimers()
        }
        timerWakeup = (task, earliest)
    }

    /// Fires every running timer due by now, earliest first.
    private func runDueTimers() {
        timerWakeup = nil
        let now = eventLoop.now
        // Bounded: what fires may start timers, and one due at once waits for the next turn.
        var budget = timerQueue.count
        while budget > 0, let entry = timerQueue.popDue(at: now) {
            budget -= 1
            if isCurrent(entry) { timerFired(entry.payload) }
        }
        armTimerWakeup()
    }

    private func timerFired(_ key: TimerKey) {
        removeTimer(key)
        switch key {
        case .server(let transactionKey, let timer):
            fireServerTimer(transactionKey, timer)
        case .client(let branch, let timer):
            fireClientTimer(branch, timer)
        case .session(let id, let timer):
            let branch = branch()
            runSession(id) { $0.timerFired(timer, branch: branch) }
        case .update(let id, let timer):
            updateTimerFired(id, timer)
        case .sessionTimer(let id):
            sessionTimerFired(id)
        case .registration(let index):
            sendRegister(index)
        }
    }
}

extension UserAgentCore.TimerKey {
    /// The owner and the timer's name.
    var parts: (owner: UserAgentCore.TimerOwner, timer: SIPTimer?) {
        switch self {
        case .server(let key, let timer): (.server(key), timer)
        case .client(let branch, let timer): (.client(branch), timer)
        case .session(let id, let timer): (.session(id), timer)
        case .update(let id, let timer): (.update(id), timer)
        case .sessionTimer(let id): (.sessionTimer(id), nil)
        case .registration(let index): (.registration(index), nil)
        }
    }
}
