import NIOCore

// MARK: - Table access for the action runner

extension UserAgentCore {
    var sessionIDs: Dictionary<SessionID, SessionEntry>.Keys { sessions.keys }

    /// Runs `event` on a session in place (no copy of the entry leaves the table).
    func mutateSession(_ id: SessionID, _ event: (inout InviteSession) -> [SessionAction]) -> [SessionAction]? {
        guard let index = sessions.index(forKey: id) else { return nil }
        return event(&sessions.values[index].session)
    }

    /// Reads or changes a session's entry in place.
    func inPlace<Result>(_ id: SessionID, _ body: (inout SessionEntry) -> Result) -> Result? {
        guard let index = sessions.index(forKey: id) else { return nil }
        return body(&sessions.values[index])
    }

    /// Runs `body` on a server transaction's entry in place.
    func mutateServerEntry<Result>(_ key: TransactionKey, _ body: (inout ServerEntry) -> Result) -> Result? {
        guard let index = serverTransactions.index(forKey: key) else { return nil }
        return body(&serverTransactions.values[index])
    }

    // One field read in place: `table[key]?.field` copies the whole entry (a transaction or a
    // session, with every string and array of its messages retained and released) first.
    func inviteKey(of id: SessionID) -> TransactionKey? { inPlace(id) { $0.inviteKey } }
    func peer(of id: SessionID) -> SIPPeer? { inPlace(id) { $0.peer } }
    func serverPeer(_ key: TransactionKey) -> SIPPeer? { mutateServerEntry(key) { $0.peer } }
    func clientPeer(_ branch: String) -> SIPPeer? { clientTransactions[branch]?.peer }
    func clientSession(_ branch: String) -> SessionID? { clientTransactions[branch]?.session }
    func clientMethod(_ branch: String) -> SIPMethod? { clientTransactions[branch]?.method }
    func clientRegistration(_ branch: String) -> Int? { clientTransactions[branch]?.registration }
    func removeServerTransaction(_ key: TransactionKey) { serverTransactions.removeValue(forKey: key) }
    func removeClientTransaction(_ branch: String) { clientTransactions.removeValue(forKey: branch) }

    /// Sends the TU's response through the server transaction `key` names, INVITE (RFC 3261
    /// §17.2.1) or non-INVITE (§17.2.2); a transaction that has ended sends nothing.
    func respondThroughTransaction(_ key: TransactionKey, _ response: SIPMessage) {
        let actions = mutateServerEntry(key) { $0.transaction.send(response) }
        run(actions ?? [], serverKey: key)
    }

    func startClientTransaction(
        _ request: SIPMessage, branch: String, peer: SIPPeer, session: SessionID?, registration: Int? = nil
    ) {
        let transaction = NonInviteClientTransaction(request: request, timers: timerValues, reliable: peer.transport.isReliable)
        clientTransactions[branch] = ClientEntry(
            transaction: transaction, peer: peer, session: session, method: request.method ?? .bye,
            registration: registration)
        run(transaction.start(), clientBranch: branch)
    }

    /// Forgets a finished session: its dialog index and timers (its transactions live on).
    func endSession(_ id: SessionID) {
        abandonUpdate(id)
        guard let entry = sessions.removeValue(forKey: id) else { return }
        dialogs.removeValue(forKey: DialogKey(callID: entry.session.invite.callID, localTag: entry.session.localTag))
        cancelTimers(of: .session(id))
        cancelTimer(.sessionTimer(id))
    }

    func fireServerTimer(_ key: TransactionKey, _ timer: SIPTimer) {
        let actions = mutateServerEntry(key) { $0.transaction.timerFired(timer) }
        if let actions { run(actions, serverKey: key) }
    }

    func fireClientTimer(_ branch: String, _ timer: SIPTimer) {
        guard let index = clientTransactions.index(forKey: branch) else { return }
        let actions = clientTransactions.values[index].transaction.timerFired(timer)
        run(actions, clientBranch: branch)
    }
}

/// The events every server transaction takes, whichever kind it is (RFC 3261 §17.2.1 INVITE,
/// §17.2.2 non-INVITE): the core dispatches without caring which.
extension UserAgentCore.ServerTransaction {
    /// The TU's response.
    mutating func send(_ response: SIPMessage) -> [TransactionAction] {
        apply(invite: { $0.send(response) }, nonInvite: { $0.send(response) })
    }

    /// A retransmission of the request.
    mutating func receivedRequest() -> [TransactionAction] {
        apply(invite: { $0.receivedRequest() }, nonInvite: { $0.receivedRequest() })
    }

    /// A timer of the transaction fired.
    mutating func timerFired(_ timer: SIPTimer) -> [TransactionAction] {
        apply(invite: { $0.timerFired(timer) }, nonInvite: { $0.timerFired(timer) })
    }

    private mutating func apply(
        invite: (inout InviteServerTransaction) -> [TransactionAction],
        nonInvite: (inout NonInviteServerTransaction) -> [TransactionAction]
    ) -> [TransactionAction] {
        switch self {
        case .invite(var transaction):
            let actions = invite(&transaction)
            self = .invite(transaction)
            return actions
        case .nonInvite(var transaction):
            let actions = nonInvite(&transaction)
            self = .nonInvite(transaction)
            return actions
        }
    }
}
