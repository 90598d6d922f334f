@testable import SIPIngress

/// Renders state-machine actions as short strings ("send 486", "schedule G 500ms") so that a
/// test can assert an exact action sequence with one `#expect`.
func describe(_ actions: [TransactionAction]) -> [String] {
    actions.map { action in
        switch action {
        case .send(let message): "send \(label(message))"
        case .schedule(let timer, let after): "schedule \(timer) \(after.milliseconds)ms"
        case .cancel(let timer): "cancel \(timer)"
        case .deliver(let message): "deliver \(label(message))"
        case .timedOut: "timedOut"
        case .terminated: "terminated"
        }
    }
}

/// Renders session actions like `describe(_:)` does for transactions.
func describe(_ actions: [SessionAction]) -> [String] {
    actions.map { action in
        switch action {
        case .respond(let message): "respond \(label(message))"
        case .retransmit(let message): "retransmit \(label(message))"
        case .sendRequest(let message): "sendRequest \(label(message))"
        case .schedule(let timer, let after): "schedule \(timer) \(after.milliseconds)ms"
        case .cancel(let timer): "cancel \(timer)"
        case .ended(let reason): "ended \(label(reason))"
        }
    }
}

/// The status code of a response or the method of a request.
func label(_ message: SIPMessage) -> String {
    message.statusCode.map(String.init) ?? message.method?.rawValue ?? "?"
}

/// A stable name for an end reason (its `description` is prose).
func label(_ reason: CallEndReason) -> String {
    switch reason {
    case .remoteHangUp: "remoteHangUp"
    case .cancelled: "cancelled"
    case .ackTimeout: "ackTimeout"
    case .sessionExpired: "sessionExpired"
    case .localHangUp: "localHangUp"
    case .rejected(let status): "rejected(\(status))"
    }
}

/// The messages a session asked to send or retransmit, in order.
func messages(in actions: [SessionAction]) -> [SIPMessage] {
    actions.compactMap { action in
        switch action {
        case .respond(let message), .retransmit(let message), .sendRequest(let message): message
        case .schedule, .cancel, .ended: nil
        }
    }
}

/// The messages a transaction asked to send, in order.
func messages(in actions: [TransactionAction]) -> [SIPMessage] {
    actions.compactMap { action in
        switch action {
        case .send(let message), .deliver(let message): message
        case .schedule, .cancel, .timedOut, .terminated: nil
        }
    }
}
