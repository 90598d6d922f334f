public import NIOCore

/// Why a call ended on the SIP side.
public enum CallEndReason: Hashable, Sendable, CustomStringConvertible {
    /// The caller sent BYE (RFC 3261 §15.1.2).
    case remoteHangUp
    /// The caller sent CANCEL before the answer (RFC 3261 §9.2).
    case cancelled
    /// The caller never acknowledged the 2xx (RFC 3261 §13.3.1.4); the bridge sent BYE.
    case ackTimeout
    /// No session refresh came in time (RFC 4028 §10); the bridge sent BYE.
    case sessionExpired
    /// The bridge hung up and its BYE transaction finished.
    case localHangUp
    /// The bridge rejected the INVITE with this status.
    case rejected(status: Int)

    public var description: String {
        switch self {
        case .remoteHangUp: "caller hung up"
        case .cancelled: "caller cancelled"
        case .ackTimeout: "no ACK for the 2xx"
        case .sessionExpired: "session timer expired"
        case .localHangUp: "bridge hung up"
        case .rejected(let status): "rejected with \(status)"
        }
    }
}

/// What the UAS side of one INVITE asks its driver to do.
public enum SessionAction: Sendable {
    /// Send a response to the INVITE through its server transaction.
    case respond(SIPMessage)
    /// Retransmit the 2xx straight over the transport (RFC 3261 §13.3.1.4: the UAS core, not
    /// the transaction, retransmits 2xx responses).
    case retransmit(SIPMessage)
    /// Start a non-INVITE client transaction for this in-dialog request (BYE).
    case sendRequest(SIPMessage)
    /// Start a session timer (G: 2xx retransmission, H: ACK wait).
    case schedule(SIPTimer, after: TimeAmount)
    /// Stop a session timer.
    case cancel(SIPTimer)
    /// Tell the application the call is over; the driver forgets the session.
    case ended(CallEndReason)
}

/// The UAS core's handling of one incoming INVITE and the dialog it creates (RFC 3261 §13.3,
/// §12.1.1, §15): answer or reject it, retransmit the 2xx until the ACK (§13.3.1.4, on the
/// Timer G/H schedule), accept BYE and CANCEL, and hang up with BYE — only once the ACK has
/// arrived (§15: a UAS must not send BYE before the ACK or its timeout).
public struct InviteSession: Sendable {
    private enum State: Sendable {
        /// Waiting for the application to accept or reject.
        case proceeding
        /// 2xx sent, waiting for the ACK; `hangUpPending` if the application already wants out.
        case answered(response: SIPMessage, interval: TimeAmount, hangUpPending: Bool)
        /// ACK received: the call is up.
        case confirmed
        /// The bridge's BYE is in flight.
        case terminating
        case terminated
    }

    private var state: State = .proceeding
    /// Headers for the BYE the application asked for (kept while the ACK is awaited).
    private var byeHeaders: [SIPHeader] = []
    /// What the application is told when the bridge's BYE completes.
    private var byeReason = CallEndReason.localHangUp
    /// The INVITE that created the session.
    public let invite: SIPMessage
    /// The tag the bridge uses in `To`.
    public let localTag: String
    /// The dialog, once the 2xx has been sent.
    public private(set) var dialog: Dialog?
    private let timers: SIPTimerValues
    private let reliable: Bool
    private let local: LocalEndpoint
    /// The INVITE's Vias as every response to it carries them (RFC 3261 §18.2.1, RFC 3581 §4).
    private let responseVias: ResponseVias
    /// `responseVias`' lines (the INVITE's as they arrived, edited, or rendered once): every
    /// response of the session copies them.
    private let responseViaLines: [UInt8]

    /// Whether the call has been answered and not yet ended.
    public var isEstablished: Bool {
        switch state {
        case .answered, .confirmed: true
        case .proceeding, .terminating, .terminated: false
        }
    }

    /// Whether the ACK for the 2xx has arrived: the session may be modified (RFC 3261 §14.2).
    public var isConfirmed: Bool {
        if case .confirmed = state { return true }
        return false
    }

    /// Checks and records the CSeq of a request inside the dialog (§12.2.2: a number not
    /// above the last one is out of order, 500) and, for target refresh requests (re-INVITE,
    /// UPDATE: §12.2.2, RFC 3311 §5.2), takes the new `Contact` as the remote target.
    /// - Returns: `false` when there is no dialog yet or the request is out of order.
    public mutating func receivedInDialogRequest(_ request: SIPMessage, refreshesTarget: Bool) -> Bool {
        guard var dialog, request.cseq.number > dialog.remoteSequence else { return false }
        dialog.remoteSequence = request.cseq.number
        if refreshesTarget, let contact = request.contacts.first { dialog.remoteTarget = contact.uri }
        self.dialog = dialog
        return true
    }

    /// A request inside the confirmed dialog (a session refresh UPDATE), taking the next CSeq.
    public mutating func makeRequest(_ method: SIPMethod, branch: String) -> SIPMessage? {
        guard case .confirmed = state, var dialog else { return nil }
        let request = dialog.makeRequest(method, via: local.via(branch: branch), contact: local.contact)
        self.dialog = dialog
        return request
    }

    /// A response to the INVITE with the session's tag and the source-address Via fix-ups.
    public func response(_ status: Int, reason: String? = nil) -> SIPMessage {
        var response = MessageFactory.response(to: invite, vias: [], status: status, reason: reason, toTag: localTag)
        // The fix-up passed unwrapped: an `Optional<TopViaFixup>` copied as one went through
        // the runtime's generic value witnesses (about 250 instructions per INVITE).
        if let fixup = responseVias.fixup {
            response.setVias(responseVias.requestVias, fixup: fixup, renderedAs: responseViaLines)
        } else {
            response.setVias(responseVias.requestVias, renderedAs: responseViaLines)
        }
        return response
    }

    /// The application answers with an SDP body (RFC 3261 §13.3.1.4, RFC 3264 §6).
    /// - Parameters:
    ///   - sdp: the SDP answer.
    ///   - headers: extra header fields for the 200.
    ///   - initialLocalSequence: the CSeq the bridge's first request in the dialog follows
    ///     (RFC 3261 §12.1.1: chosen at random, below 2**31).
    public mutating func accept(
        sdp: String, headers: [SIPHeader] = [], initialLocalSequence: UInt32 = .random(in: 1...0x7FFF_FFFF)
    ) -> [SessionAction] {
        guard case .proceeding = state else { return [] }
        var ok = response(200)
        ok.otherHeaders.append(contentsOf: headers)
        ok.contacts = [local.contact]
        ok.recordRoutes = invite.recordRoutes
        ok.otherHeaders.append(SIPHeader("Allow", SIPMethod.allowed.map(\.rawValue).joined(separator: ", ")))
        ok.contentType = "application/sdp"
        ok.body = Array(sdp.utf8)
        dialog = Dialog(invite: invite, localTag: localTag, initialLocalSequence: initialLocalSequence)
        state = .answered(response: ok, interval: timers.t1, hangUpPending: false)
        if reliable { return [.respond(ok), .schedule(.H, after: timers.transactionTimeout)] }
        return [.respond(ok), .schedule(.G, after: timers.t1), .schedule(.H, after: timers.transactionTimeout)]
    }

    /// A provisional response before the answer (RFC 3261 §13.3.1.1): 180 Ringing, or 183
    /// Session Progress carrying the SDP answer for early media (RFC 3960 §3). Sent
    /// unreliably (no 100rel); it creates an early dialog on the caller's side.
    /// - Parameters:
    ///   - status: 180 or 183.
    ///   - sdp: the SDP answer for 183, or `nil`.
    public mutating func provisional(status: Int, sdp: String?) -> [SessionAction] {
        guard case .proceeding = state, (101..<200).contains(status) else { return [] }
        var message = response(status)
        message.contacts = [local.contact]
        message.recordRoutes = invite.recordRoutes
        if let sdp {
            message.contentType = "application/sdp"
            message.body = Array(sdp.utf8)
        }
        return [.respond(message)]
    }

    /// The application rejects the INVITE with a final non-2xx status.
    /// - Parameters:
    ///   - status: 300-699.
    ///   - reason: the reason phrase, or the standard one.
    ///   - headers: extra headers, e.g. `Retry-After` with 503 (RFC 3261 §20.33).
    public mutating func reject(status: Int, reason: String? = nil, headers: [SIPHeader] = []) -> [SessionAction] {
        guard case .proceeding = state else { return [] }
        var message = response(status, reason: reason)
        if !headers.isEmpty { message.otherHeaders.append(contentsOf: headers) }
        state = .terminated
        return [.respond(message), .ended(.rejected(status: status))]
    }

    /// The ACK for the 2xx arrived (§13.3.1.4): stop retransmitting; a pending hang-up proceeds.
    /// - Parameter branch: a fresh branch, used if a pending hang-up now sends BYE.
    public mutating func receivedAck(branch: String) -> [SessionAction] {
        guard case .answered(_, _, let hangUpPending) = state else { return [] }
        state = .confirmed
        var actions: [SessionAction] = [.cancel(.G), .cancel(.H)]
        if hangUpPending { actions += sendBye(branch: branch) }
        return actions
    }

    /// The caller sent BYE (§15.1.2). The driver answers the BYE itself (200); before the
    /// answer, the INVITE is also answered 487 (§15.1.2 allows BYE on an early dialog).
    public mutating func receivedBye() -> [SessionAction] {
        switch state {
        case .proceeding:
            state = .terminated
            return [.respond(response(487)), .ended(.remoteHangUp)]
        case .answered, .confirmed, .terminating:
            state = .terminated
            return [.cancel(.G), .cancel(.H), .ended(.remoteHangUp)]
        case .terminated:
            return []
        }
    }

    /// The caller sent CANCEL (§9.2). Before a final response the INVITE gets 487; after it
    /// the CANCEL has no effect. The driver answers the CANCEL itself (200).
    public mutating func receivedCancel() -> [SessionAction] {
        guard case .proceeding = state else { return [] }
        state = .terminated
        return [.respond(response(487)), .ended(.cancelled)]
    }

    /// The application hangs up.
    /// - Parameters:
    ///   - branch: a fresh branch for the BYE.
    ///   - status: the final status used if the call is not answered yet (e.g. 480 or 503).
    ///   - headers: extra BYE headers, e.g. `Reason` (RFC 3326) saying why the bridge ended it.
    public mutating func hangUp(
        branch: String, status: Int = 480, headers: [SIPHeader] = [], reason: CallEndReason = .localHangUp
    ) -> [SessionAction] {
        byeHeaders = headers
        byeReason = reason
        switch state {
        case .proceeding:
            return reject(status: status)
        case .answered(let response, let interval, _):
            // §15: wait for the ACK (or its timeout) before sending BYE.
            state = .answered(response: response, interval: interval, hangUpPending: true)
            return []
        case .confirmed:
            return sendBye(branch: branch)
        case .terminating, .terminated:
            return []
        }
    }

    /// The bridge's BYE transaction ended (any final response or Timer F).
    public mutating func byeCompleted() -> [SessionAction] {
        guard case .terminating = state else { return [] }
        state = .terminated
        return [.ended(byeReason)]
    }

    /// A session timer fired.
    /// - Parameters:
    ///   - timer: `.G` (retransmit the 2xx) or `.H` (give up waiting for the ACK).
    ///   - branch: a fresh branch, used if the timeout sends BYE.
    public mutating func timerFired(_ timer: SIPTimer, branch: String) -> [SessionAction] {
        switch (state, timer) {
        case (.answered(let response, let interval, let pending), .G):
            let next = timers.backoff(interval)
            state = .answered(response: response, interval: next, hangUpPending: pending)
            return [.retransmit(response), .schedule(.G, after: next)]
        case (.answered, .H):
            // §13.3.1.4: no ACK after 64·T1 — the session is terminated with a BYE.
            state = .confirmed
            var actions: [SessionAction] = [.cancel(.G)]
            actions += sendBye(branch: branch)
            state = .terminated
            actions.append(.ended(.ackTimeout))
            return actions
        default:
            return []
        }
    }

    private mutating func sendBye(branch: String) -> [SessionAction] {
        guard var dialog else { return [] }
        var bye = dialog.makeRequest(.bye, via: local.via(branch: branch), contact: local.contact)
        bye.otherHeaders.append(contentsOf: byeHeaders)
        self.dialog = dialog
        state = .terminating
        return [.sendRequest(bye)]
    }
}

extension InviteSession {
    /// Creates the session for an INVITE.
    /// - Parameters:
    ///   - invite: the received INVITE.
    ///   - localTag: a fresh random tag (RFC 3261 §19.3: at least 32 bits of randomness).
    ///   - source: the address the INVITE came from (responses go there, RFC 3581).
    ///   - local: the bridge's Via/Contact identity.
    ///   - timers: T1/T2/T4.
    ///   - reliable: whether the transport is reliable (no 2xx retransmission then).
    public init(
        invite: SIPMessage, localTag: String, source: (host: String, port: Int), local: LocalEndpoint,
        timers: SIPTimerValues, reliable: Bool
    ) {
        // Through the memberwise initializer (this one lives in an extension to keep it): one
        // that set the properties one by one made the optimizer copy the finished session and
        // destroy the original, every reference in it (about 500 instructions per INVITE).
        let responseVias = ResponseVias(invite, sourceHost: source.host, sourcePort: source.port)
        self.init(
            invite: invite, localTag: localTag, timers: timers, reliable: reliable, local: local, responseVias: responseVias,
            responseViaLines: responseVias.lines ?? ViaLines(responseVias.vias).wireBytes)
    }
}
