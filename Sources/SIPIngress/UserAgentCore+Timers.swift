import NIOCore

/// Timers on the SIP event loop (RFC 3261 §17's A–K, the session's 2xx retransmission, RFC 4028
/// session timers, registration refreshes), kept per owner.
extension UserAgentCore {
    /// Starts (or restarts) a timer.
    func schedule(_ key: TimerKey, after delay: TimeAmount) {
        let (owner, timer) = key.parts
        let task = eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] () -> Void in
            self?.timerFired(key)
        }
        if let index = timers.index(forKey: owner) {
            if let slot = timers.values[index].firstIndex(where: { $0.timer == timer }) {
                timers.values[index][slot].task.cancel()
                timers.values[index][slot].task = task
            } else {
                timers.values[index].append((timer, task))
            }
        } else {
            timers[owner] = [(timer, task)]
        }
    }

    /// Stops a timer, if it runs.
    func cancelTimer(_ key: TimerKey) {
        removeTimer(key)?.cancel()
    }

    /// Stops every timer of `owner` (a transaction or session that has ended).
    func cancelTimers(of owner: TimerOwner) {
        guard let slots = timers.removeValue(forKey: owner) else { return }
        for slot in slots { slot.task.cancel() }
    }

    @discardableResult
    private func removeTimer(_ key: TimerKey) -> Scheduled<Void>? {
        let (owner, timer) = key.parts
        guard let index = timers.index(forKey: owner),
            let slot = timers.values[index].firstIndex(where: { $0.timer == timer })
        else { return nil }
        let task = timers.values[index].remove(at: slot).task
        if timers.values[index].isEmpty { timers.remove(at: index) }
        return task
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
