import Logging
import NIOCore

/// Requests inside an established dialog other than BYE: re-INVITE (RFC 3261 §14.2), UPDATE
/// (RFC 3311 §5.2) and INFO (RFC 6086, legacy DTMF usage).
extension UserAgentCore {
    func receivedInDialog(_ request: SIPMessage, method: SIPMethod, key: TransactionKey, peer: SIPPeer) {
        guard let id = session(for: request), var entry = sessions[id], entry.session.dialog != nil else {
            return respond(to: request, key: key, peer: peer, status: 481)
        }
        let refreshes = method == .invite || method == .update
        guard entry.session.receivedInDialogRequest(request, refreshesTarget: refreshes) else {
            return respond(to: request, key: key, peer: peer, status: 500, reason: "CSeq Out of Order")
        }
        sessions[id] = entry
        if method == .info { return receivedInfo(request, session: id, key: key, peer: peer) }
        let timer = SessionTimerNegotiation.negotiate(request, settings: sessionTimerSettings)
        if case .tooSmall(let minimum) = timer {
            return respond(to: request, key: key, peer: peer, status: 422, headers: [SIPHeader("Min-SE", "\(minimum)")])
        }
        if method == .invite && !entry.session.isConfirmed || entry.update.map({ Self.isAwaitingApplication($0) }) == true {
            // §14.2, RFC 3311 §5.2: an offer while the previous exchange is unfinished gets 500
            // with Retry-After (0-10 s), and the caller tries again.
            let retry = SIPHeader("Retry-After", "\(Int.random(in: 1...5))")
            return respond(to: request, key: key, peer: peer, status: 500, reason: "Request Pending", headers: [retry])
        }
        if case .awaitingAck(_, _, _, offerless: true) = entry.update {
            // The bridge's offer (in the 2xx of an offerless re-INVITE) awaits its answer in the
            // ACK: a new offer now is glare (RFC 3311 §5.2, RFC 3261 §14.2) → 491.
            return respond(to: request, key: key, peer: peer, status: 491)
        }
        let update: SessionUpdate
        if request.body.isEmpty {
            guard method == .invite else {
                // An UPDATE without a body only refreshes the session (RFC 4028 §9).
                respond(to: request, key: key, peer: peer, status: 200, headers: [local(for: peer).contactHeader] + timer.responseHeaders(sessionTimerSettings))
                return startSessionTimer(id, timer)
            }
            update = .offerless
        } else {
            guard request.contentType?.lowercased().hasPrefix("application/sdp") == true else {
                return respond(to: request, key: key, peer: peer, status: 415, headers: [SIPHeader("Accept", "application/sdp")])
            }
            do {
                update = .offer(try OSIPCodec.parseSessionDescription(request.body))
            } catch {
                return respond(to: request, key: key, peer: peer, status: 488)
            }
        }
        if method == .invite {
            var transaction = InviteServerTransaction(timers: timerValues, reliable: peer.transport.isReliable)
            let source = peer.addressAndPort
            let trying = MessageFactory.response(to: request, status: 100, toTag: nil, sourceHost: source.host, sourcePort: source.port)
            let actions = transaction.send(trying)
            serverTransactions[key] = ServerEntry(transaction: .invite(transaction), peer: peer, session: id)
            run(actions, serverKey: key)
        } else {
            let transaction = NonInviteServerTransaction(timers: timerValues, reliable: peer.transport.isReliable)
            serverTransactions[key] = ServerEntry(transaction: .nonInvite(transaction), peer: peer, session: id)
        }
        cancelTimer(.update(id, .G))
        cancelTimer(.update(id, .H))
        sessions[id]?.update = .awaitingApplication(key: key, request: request, peer: peer, offerless: update.isOfferless)
        delegate.sessionUpdated(id, update)
    }

    /// The application's answer to a re-INVITE or UPDATE: 2xx with SDP, or a refusal.
    func answerUpdate(_ id: SessionID, status: Int, sdp: String?) {
        guard let entry = sessions[id], case .awaitingApplication(let key, let request, let peer, let offerless) = entry.update
        else { return }
        let source = peer.addressAndPort
        var response = MessageFactory.response(
            to: request, status: status, toTag: entry.session.localTag, sourceHost: source.host, sourcePort: source.port)
        if (200..<300).contains(status) {
            // Every 2xx to a re-INVITE or UPDATE is a session refresh (RFC 4028 §9-10).
            let timer = SessionTimerNegotiation.negotiate(request, settings: sessionTimerSettings)
            response.otherHeaders.append(contentsOf: timer.responseHeaders(sessionTimerSettings))
            startSessionTimer(id, timer)
            response.contacts = [local(for: peer).contact]
            response.otherHeaders.append(SIPHeader("Allow", SIPMethod.allowed.map(\.rawValue).joined(separator: ", ")))
            if let sdp {
                response.contentType = "application/sdp"
                response.body = Array(sdp.utf8)
            }
        }
        sessions[id]?.update = nil
        respondThroughTransaction(key, response)
        guard request.method == .invite, (200..<300).contains(status) else { return }
        // §13.3.1.4 applies to every 2xx to an INVITE: the core retransmits it until the ACK.
        sessions[id]?.update = .awaitingAck(response: response, cseq: request.cseq.number, interval: timerValues.t1, offerless: offerless)
        schedule(.update(id, .G), after: timerValues.t1)
        schedule(.update(id, .H), after: timerValues.transactionTimeout)
    }

    /// An ACK inside the dialog: if it acknowledges the re-INVITE's 2xx, retransmission stops
    /// and, after an offerless re-INVITE, its SDP answer goes to the application.
    /// - Returns: whether the ACK belonged to a re-INVITE.
    func receivedUpdateAck(_ ack: SIPMessage, session id: SessionID) -> Bool {
        guard case .awaitingAck(_, let cseq, _, let offerless) = sessions[id]?.update, ack.cseq.number == cseq else {
            return false
        }
        sessions[id]?.update = nil
        cancelTimer(.update(id, .G))
        cancelTimer(.update(id, .H))
        if offerless, !ack.body.isEmpty, let answer = try? OSIPCodec.parseSessionDescription(ack.body) {
            delegate.sessionUpdated(id, .answer(answer))
        }
        return true
    }

    /// Timer G or H of a re-INVITE's 2xx.
    func updateTimerFired(_ id: SessionID, _ timer: SIPTimer) {
        guard let entry = sessions[id], case .awaitingAck(let response, let cseq, let interval, let offerless) = entry.update
        else { return }
        switch timer {
        case .G:
            send(response, entry.peer)
            let next = timerValues.backoff(interval)
            sessions[id]?.update = .awaitingAck(response: response, cseq: cseq, interval: next, offerless: offerless)
            schedule(.update(id, .G), after: next)
        case .H:
            // §13.3.1.4: no ACK for 64·T1 — the session is ended with BYE.
            logger.info("no ACK for the re-INVITE's 2xx; hanging up", metadata: ["sip.call_id": "\(response.callID)"])
            sessions[id]?.update = nil
            cancelTimer(.update(id, .G))
            hangUp(id, status: 500)
        default:
            break
        }
    }

    /// A request still waiting for the application when the session ends gets 487 (§15.1.2).
    func abandonUpdate(_ id: SessionID) {
        // Without an exchange in progress no update timer runs (G and H run only while a 2xx
        // awaits its ACK, and are cancelled whenever that state is left).
        // (Read in place: `sessions[id]?.update` would copy the whole entry first.)
        guard let update = inPlace(id, { $0.update }) ?? nil else { return }
        cancelTimer(.update(id, .G))
        cancelTimer(.update(id, .H))
        guard case .awaitingApplication(let key, let request, let peer, _) = update,
            let localTag = inPlace(id, { $0.session.localTag })
        else { return }
        sessions[id]?.update = nil
        let source = peer.addressAndPort
        let response = MessageFactory.response(
            to: request, status: 487, toTag: localTag, sourceHost: source.host, sourcePort: source.port)
        respondThroughTransaction(key, response)
    }

    private func receivedInfo(_ request: SIPMessage, session id: SessionID, key: TransactionKey, peer: SIPPeer) {
        guard !request.body.isEmpty else {
            return respond(to: request, key: key, peer: peer, status: 200)  // a keepalive INFO
        }
        let type = request.contentType ?? ""
        guard DTMFRelay.contentTypes.contains(where: { type.lowercased().hasPrefix($0) }) else {
            let accept = SIPHeader("Accept", DTMFRelay.contentTypes.joined(separator: ", "))
            return respond(to: request, key: key, peer: peer, status: 415, headers: [accept])
        }
        guard let press = DTMFRelay.parse(contentType: type, body: request.body) else {
            return respond(to: request, key: key, peer: peer, status: 400, reason: "Bad DTMF Body")
        }
        respond(to: request, key: key, peer: peer, status: 200)
        delegate.receivedDTMF(id, digit: press.digit, durationMilliseconds: press.durationMilliseconds)
    }

    private static func isAwaitingApplication(_ state: SessionUpdateState) -> Bool {
        if case .awaitingApplication = state { return true }
        return false
    }
}

extension SessionUpdate {
    var isOfferless: Bool {
        if case .offerless = self { return true }
        return false
    }
}

extension LocalEndpoint {
    /// The `Contact` header for target refresh responses.
    var contactHeader: SIPHeader { SIPHeader("Contact", contact.text) }
}
