import Logging
import NIOCore

/// The driver of the SIP layer (STYLE.md rule 6): owns the transaction and session tables of
/// one listener, turns their actions into sends and event-loop timers, and dispatches
/// requests (RFC 3261 §8.2, §17.2.3, §12.2.2). Confined to the SIP event loop.
final class UserAgentCore {
    enum ServerTransaction {
        case invite(InviteServerTransaction)
        case nonInvite(NonInviteServerTransaction)
    }

    struct ServerEntry {
        var transaction: ServerTransaction
        let peer: SIPPeer
        var session: SessionID?
    }

    struct ClientEntry {
        var transaction: NonInviteClientTransaction
        let peer: SIPPeer
        let session: SessionID?
        /// BYE, UPDATE (a session refresh) or REGISTER.
        let method: SIPMethod
        /// The registration a REGISTER belongs to.
        var registration: Int? = nil
    }

    struct SessionEntry {
        var session: InviteSession
        let peer: SIPPeer
        let inviteKey: TransactionKey
        /// A re-INVITE or UPDATE in progress.
        var update: SessionUpdateState?
        /// RFC 4028: the session timer agreed in the last 2xx.
        var sessionTimer = SessionTimerNegotiation.none
    }

    enum TimerKey: Hashable {
        case server(TransactionKey, SIPTimer)
        case client(String, SIPTimer)
        case session(SessionID, SIPTimer)
        /// The re-INVITE 2xx retransmission (G) and ACK wait (H) of §13.3.1.4.
        case update(SessionID, SIPTimer)
        /// RFC 4028 §10: refresh (as refresher) or BYE (session expired).
        case sessionTimer(SessionID)
        /// Re-REGISTER (refresh or retry) of `registrations[index]`.
        case registration(Int)
    }

    /// Whose timer it is: the timer table is keyed by owner, so that ending a transaction or a
    /// session cancels its timers with one lookup.
    enum TimerOwner: Hashable {
        case server(TransactionKey)
        case client(String)
        case session(SessionID)
        case update(SessionID)
        case sessionTimer(SessionID)
        case registration(Int)
    }

    let eventLoop: any EventLoop
    let local: LocalEndpoint
    let timerValues: SIPTimerValues
    let delegate: any UserAgentDelegate
    var logger: Logger
    /// Open TCP and TLS connections by number (RFC 3261 §18: responses and in-dialog requests
    /// go back on the connection a request came on).
    var connections: [Int: any Channel] = [:]
    var nextConnection = 1
    /// Via/Contact identities of the stream listeners, by transport token (`TCP`, `TLS`).
    var streamLocals: [String: LocalEndpoint] = [:]
    /// How to reopen a closed connection, by transport token (`TCP`, `TLS`).
    var streamConnectors: [String: SIPStreamConnector] = [:]
    /// Messages waiting for a connection being reopened, by connection number.
    var reopening: [Int: [ByteBuffer]] = [:]

    // The tables every request reads and writes, and the socket, counter and generator every
    // INVITE uses. A class's stored properties are checked for overlapping access at run time,
    // on every access (a runtime call each: about 2 % of an INVITE's handling). Debug builds,
    // which run the tests, keep the check; release builds skip it for these. The core runs on
    // one event loop, and no closure that mutates an entry in place reaches back into its table.
    #if DEBUG
    var serverTransactions: [TransactionKey: ServerEntry] = [:]
    var clientTransactions: [String: ClientEntry] = [:]
    var sessions: [SessionID: SessionEntry] = [:]
    var dialogs: [DialogKey: SessionID] = [:]
    /// Running timers by owner, each with its RFC 3261 timer name (`nil` for the owner's only
    /// one) and the sequence number of its start in `timerQueue` (`UserAgentCore+Timers.swift`).
    var timers: [TimerOwner: [(timer: SIPTimer?, sequence: UInt64)]] = [:]
    var timerQueue = TimerQueue<TimerKey>()
    /// The loop task that waits for `timerQueue`'s earliest deadline.
    var timerWakeup: (task: Scheduled<Void>, deadline: NIODeadline)?
    /// The UDP socket (set once bound).
    var datagramChannel: (any Channel)?
    private var nextSession: UInt64 = 1
    /// Tags, branches and initial CSeqs come from here: the system's generator unless the
    /// embedding application gives a buffered one (`UserAgent.Configuration.randomSource`;
    /// the system's costs one `getrandom` call per value).
    var random: any RandomNumberGenerator = SystemRandomNumberGenerator()
    #else
    @exclusivity(unchecked) var serverTransactions: [TransactionKey: ServerEntry] = [:]
    @exclusivity(unchecked) var clientTransactions: [String: ClientEntry] = [:]
    @exclusivity(unchecked) var sessions: [SessionID: SessionEntry] = [:]
    @exclusivity(unchecked) var dialogs: [DialogKey: SessionID] = [:]
    @exclusivity(unchecked) var timers: [TimerOwner: [(timer: SIPTimer?, sequence: UInt64)]] = [:]
    @exclusivity(unchecked) var timerQueue = TimerQueue<TimerKey>()
    @exclusivity(unchecked) var timerWakeup: (task: Scheduled<Void>, deadline: NIODeadline)?
    @exclusivity(unchecked) var datagramChannel: (any Channel)?
    @exclusivity(unchecked) private var nextSession: UInt64 = 1
    @exclusivity(unchecked) var random: any RandomNumberGenerator = SystemRandomNumberGenerator()
    #endif
    /// OPTIONS get 503 + Retry-After while the bridge drains.
    var draining = false
    /// At `sip.max_calls` (out-of-dialog OPTIONS get 503 + Retry-After: 5).
    var full = false
    /// `sip.trusted_sources`, `sip.rate_limit`.
    let admission: AdmissionPolicy
    /// `sip.session_timer`.
    let sessionTimerSettings: SessionTimerSettings
    /// `sip.auth`: digest authentication of new INVITEs.
    var authenticator: DigestAuthenticator?
    /// `sip.registrations`.
    var registrations: [RegistrationEntry] = []
    var rateLimiter: InviteRateLimiter?
    /// Requests refused by the admission rules (untrusted source or rate limit).
    var rejectedRequests = 0
    /// Monotonic nanoseconds (injected by tests).
    let clock: () -> Int64

    init(
        eventLoop: any EventLoop, local: LocalEndpoint, timers: SIPTimerValues, admission: AdmissionPolicy = .init(),
        sessionTimer: SessionTimerSettings = .init(),
        delegate: any UserAgentDelegate, logger: Logger, clock: @escaping () -> Int64 = { Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds) }
    ) {
        self.eventLoop = eventLoop
        self.local = local
        self.timerValues = timers
        self.admission = admission
        self.sessionTimerSettings = sessionTimer
        self.rateLimiter = admission.invitesPerSecond.map { InviteRateLimiter(rate: $0, burst: admission.inviteBurst) }
        self.delegate = delegate
        self.logger = logger
        self.clock = clock
    }

    /// The number of calls between INVITE and the end of the dialog.
    var activeSessions: Int { sessions.count }

    // MARK: - Inbound

    /// Handles one datagram.
    func received(_ bytes: ByteBuffer, from peer: SIPPeer) {
        let message: SIPMessage
        do {
            message = try bytes.withUnsafeReadableBytes { try OSIPCodec.parseMessage($0) }
        } catch {
            logger.info("unparsable SIP datagram", metadata: ["peer": "\(peer)", "error": "\(error)"])
            // A stranger's garbage gets nothing, not even a 400: it would name the product.
            guard admission.trusts(peer.ipAddress ?? "") else {
                rejectedRequests += 1
                return
            }
            // 400, or 505 for a foreign SIP-Version (RFC 4475 §3.1.2.16 badvers).
            // An unknown method is answered 501 whatever else is wrong (§8.2.1 looks at it first).
            var status = (error as? SIPIngressError)?.statusCode ?? 400
            var extra: [(name: String, value: String)] = []
            if status == 400, StatelessResponder.extensionMethod(in: bytes.readableBytesView) != nil {
                status = 501
                extra = [(allowHeader.name, allowHeader.value)]
            } else if status == 400, StatelessResponder.foreignScheme(in: bytes.readableBytesView) != nil {
                status = 416
            }
            let reason = MessageFactory.reasonPhrase(status)
            if let reply = StatelessResponder.badRequest(
                for: bytes.readableBytesView, status: status, reason: reason, extraHeaders: extra)
            {
                sendRaw(reply, to: peer)
            }
            return
        }
        if message.statusCode != nil {
            receivedResponse(message)
        } else {
            receivedRequest(message, from: peer)
        }
    }

    private func receivedResponse(_ response: SIPMessage) {
        guard let branch = response.vias.first?.branch, var entry = clientTransactions[branch],
            [.bye, .update, .register].contains(response.cseq.method)
        else { return }  // stray responses are dropped (RFC 3261 §18.1.2)
        let actions = entry.transaction.received(response)
        clientTransactions[branch] = entry
        run(actions, clientBranch: branch)
    }

    private func receivedRequest(_ request: SIPMessage, from source: SIPPeer) {
        guard let method = request.method else { return }
        let peer = source.learningReopenAddress(from: request)
        let key = TransactionKey(request, method: method)
        guard admits(request, method: method, key: key, peer: peer) else { return }
        if method != .ack && method != .cancel && request.cseq.method != method {
            // RFC 4475 §3.1.2.17: the CSeq method must match the request line.
            return respond(to: request, key: key, peer: peer, status: 400, reason: "CSeq Method Mismatch")
        }
        if method == .ack { return receivedAck(request, key: key) }
        if method == .cancel { return receivedCancel(request, peer: peer) }
        if let entry = serverTransactions[key] {
            return retransmission(of: key, entry)
        }
        if !request.requestURIIsSIP {
            // RFC 3261 §8.2.2.1 (RFC 4475 §3.3.2 unkscm).
            return respond(to: request, key: key, peer: peer, status: 416)
        }
        // RFC 4028 `timer` is the one extension the bridge implements.
        let required = request.hasField("Require") ? request.headerValues("Require").filter { $0.lowercased() != "timer" } : []
        if !required.isEmpty {
            // RFC 3261 §8.2.2.3: the bridge supports no extension a caller may require (every
            // method but ACK and CANCEL; RFC 4475 §3.3.5 bext01 lists two).
            let unsupported = SIPHeader("Unsupported", required.joined(separator: ", "))
            return respond(to: request, key: key, peer: peer, status: 420, headers: [unsupported])
        }
        switch method {
        case .invite where request.toTag == nil:
            receivedInvite(request, key: key, peer: peer)
        case .bye:
            guard let id = session(for: request) else {
                return respond(to: request, key: key, peer: peer, status: 481)
            }
            respond(to: request, key: key, peer: peer, status: 200)
            runSession(id) { $0.receivedBye() }
        case .options where request.toTag == nil && draining:
            respond(to: request, key: key, peer: peer, status: 503, headers: [SIPHeader("Retry-After", "30")])
        case .options where request.toTag == nil && full:
            respond(to: request, key: key, peer: peer, status: 503, headers: [SIPHeader("Retry-After", "5")])
        case .options:
            var extra = [SIPHeader("Allow", SIPMethod.allowed.map(\.rawValue).joined(separator: ", "))]
            extra.append(SIPHeader("Accept", "application/sdp"))
            respond(to: request, key: key, peer: peer, status: 200, headers: extra)
        case .invite, .info, .update:
            receivedInDialog(request, method: method, key: key, peer: peer)
        case .prack:
            respond(to: request, key: key, peer: peer, status: session(for: request) == nil ? 481 : 501)
        case .register:
            respond(to: request, key: key, peer: peer, status: 405, headers: [allowHeader])
        default:
            respond(to: request, key: key, peer: peer, status: 501, headers: [allowHeader])
        }
    }

    private var allowHeader: SIPHeader {
        SIPHeader("Allow", SIPMethod.allowed.map(\.rawValue).joined(separator: ", "))
    }

    private func receivedInvite(_ invite: SIPMessage, key: TransactionKey, peer: SIPPeer) {
        var accepted: [String] = []
        invite.withOtherHeaders { headers in
            for index in headers.indices where headers[index].name.equalsIgnoringASCIICase("Accept") {
                accepted.append(headers[index].value.lowercased())
            }
        }
        let takesSDP = accepted.contains { ["application/sdp", "application/*", "*/*"].contains(where: $0.contains) }
        if !accepted.isEmpty && !takesSDP {
            // The 2xx must carry the SDP answer, which the caller says it cannot take
            // (RFC 3261 §21.4.7; RFC 4475 §3.3.15 sdp01).
            return respond(to: invite, key: key, peer: peer, status: 406)
        }
        if let authenticator {
            // RFC 3261 §22.2: a UAS challenges with 401; the retried INVITE carries credentials.
            let now = clock() / 1_000_000_000
            if case .challenge(let stale) = authenticator.verify(invite, now: now) {
                return respond(to: invite, key: key, peer: peer, status: 401, headers: authenticator.challenge(now: now, stale: stale))
            }
        }
        let offer: SessionDescription
        do {
            guard !invite.body.isEmpty else { throw SIPIngressError.malformedSDP("no SDP offer") }
            guard let contentType = invite.contentType, Self.isSDP(contentType) else {
                return respond(
                    to: invite, key: key, peer: peer, status: 415, headers: [SIPHeader("Accept", "application/sdp")])
            }
            offer = try OSIPCodec.parseSessionDescription(invite.body)
        } catch let error as SIPIngressError {
            return respond(to: invite, key: key, peer: peer, status: error.statusCode, reason: nil)
        } catch {
            return
        }
        let timer = SessionTimerNegotiation.negotiate(invite, settings: sessionTimerSettings)
        if case .tooSmall(let minimum) = timer {
            // RFC 4028 §9: the asked interval is below the bridge's Min-SE.
            return respond(to: invite, key: key, peer: peer, status: 422, headers: [SIPHeader("Min-SE", "\(minimum)")])
        }
        let id = SessionID(rawValue: nextSession)
        nextSession += 1
        let source = peer.addressAndPort
        var transaction = InviteServerTransaction(timers: timerValues, reliable: peer.transport.isReliable)
        let entry = SessionEntry(
            session: InviteSession(
                invite: invite, localTag: token(), source: source, local: local(for: peer), timers: timerValues, reliable: false),
            peer: peer, inviteKey: key, sessionTimer: timer)
        let trying = entry.session.response(100)  // no To tag on a 100 (RFC 3261 §8.2.6.2)
        let actions = transaction.send(trying)
        serverTransactions[key] = ServerEntry(transaction: .invite(transaction), peer: peer, session: id)
        dialogs[DialogKey(callID: invite.callID, localTag: entry.session.localTag)] = id
        sessions[id] = consume entry
        run(actions, serverKey: key)
        delegate.incomingCall(IncomingCall(id: id, invite: invite, offer: offer, sourceHost: source.host, sourcePort: source.port, transport: peer.transport))
    }

    /// Whether a `Content-Type` value is `application/sdp` (RFC 4566 §8.1), with or without
    /// parameters, its type and subtype compared without case (RFC 3261 §7.3.1).
    private static func isSDP(_ contentType: String) -> Bool {
        let type: StaticString = "application/sdp"
        var text = contentType
        return text.withUTF8 { bytes in
            bytes.count >= type.utf8CodeUnitCount
                && HeaderFieldScan.equalFolded(
                    UnsafeBufferPointer(rebasing: bytes.prefix(type.utf8CodeUnitCount)),
                    UnsafeBufferPointer(start: type.utf8Start, count: type.utf8CodeUnitCount))
        }
    }

    private func receivedAck(_ ack: SIPMessage, key: TransactionKey) {
        if var entry = serverTransactions[key], case .invite(var transaction) = entry.transaction {
            let actions = transaction.receivedAck()
            entry.transaction = .invite(transaction)
            serverTransactions[key] = entry
            // In Accepted the ACK (for the 2xx, sharing the INVITE's branch or RFC 2543 key)
            // goes to the dialog (RFC 6026 §8.7); only an ACK for a non-2xx ends here.
            if !actions.isEmpty { return run(actions, serverKey: key) }
        }
        guard let id = session(for: ack) else { return }  // stray ACKs are dropped (§17.2.3)
        if receivedUpdateAck(ack, session: id) { return }
        let branch = branch()
        runSession(id) { $0.receivedAck(branch: branch) }
    }

    private func receivedCancel(_ cancel: SIPMessage, peer: SIPPeer) {
        let inviteKey = TransactionKey(cancel)
        let cancelKey = TransactionKey(branch: inviteKey, method: .cancel)
        if let entry = serverTransactions[cancelKey] { return retransmission(of: cancelKey, entry) }
        guard let entry = serverTransactions[inviteKey], let id = entry.session else {
            return respond(to: cancel, key: cancelKey, peer: peer, status: 481)
        }
        // §9.2: the CANCEL itself is answered 200; the INVITE gets 487 if still unanswered.
        let tag = sessions[id]?.session.localTag
        respond(to: cancel, key: cancelKey, peer: peer, status: 200, toTag: tag)
        runSession(id) { $0.receivedCancel() }
    }

    private func retransmission(of key: TransactionKey, _ entry: ServerEntry) {
        var entry = entry
        let actions = entry.transaction.receivedRequest()
        serverTransactions[key] = entry
        run(actions, serverKey: key)
    }

    func session(for request: SIPMessage) -> SessionID? {
        guard let tag = request.toTag else { return nil }
        return dialogs[DialogKey(callID: request.callID, localTag: tag)]
    }

    /// Answers a request through a new non-INVITE server transaction (or the INVITE's).
    func respond(
        to request: SIPMessage, key: TransactionKey, peer: SIPPeer, status: Int, reason: String? = nil,
        toTag: String? = nil, headers: [SIPHeader] = [], anonymous: Bool = false
    ) {
        let source = peer.addressAndPort
        var response = MessageFactory.response(
            to: request, status: status, reason: reason, toTag: toTag ?? (status > 100 ? token() : nil),
            sourceHost: source.host, sourcePort: source.port)
        // Strangers learn nothing about the product (RFC 3261 §20.35 Server is optional).
        if anonymous { response.otherHeaders.removeAll { $0.name == MessageFactory.serverHeader.name } }
        response.otherHeaders.append(contentsOf: headers)
        if request.method == .invite {
            var transaction = InviteServerTransaction(timers: timerValues, reliable: peer.transport.isReliable)
            let actions = transaction.send(response)
            serverTransactions[key] = ServerEntry(transaction: .invite(transaction), peer: peer, session: nil)
            return run(actions, serverKey: key)
        }
        var transaction = NonInviteServerTransaction(timers: timerValues, reliable: peer.transport.isReliable)
        let actions = transaction.send(response)
        serverTransactions[key] = ServerEntry(transaction: .nonInvite(transaction), peer: peer, session: nil)
        run(actions, serverKey: key)
    }
}
