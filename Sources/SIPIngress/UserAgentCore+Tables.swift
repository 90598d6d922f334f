import NIOCore

// MARK: - Table access for the action runner

extension UserAgentCore {
    var sessionIDs: Dictionary<SessionID, SessionEntry>.Keys { sessions.keys }

    func mutateSession(_ id: SessionID, _ event: (inout InviteSession) -> [SessionAction]) -> [SessionAction]? {
        guard var entry = sessions[id] else { return nil }
        let actions = event(&entry.session)
        sessions[id] = entry
        return actions
    }

    func inviteKey(of id: SessionID) -> TransactionKey? { sessions[id]?.inviteKey }
    func peer(of id: SessionID) -> SIPPeer? { sessions[id]?.peer }
    func serverPeer(_ key: TransactionKey) -> SIPPeer? { serverTransactions[key]?.peer }
    func clientPeer(_ branch: String) -> SIPPeer? { clientTransactions[branch]?.peer }
    func clientSession(_ branch: String) -> SessionID? { clientTransactions[branch]?.session }
    func clientMethod(_ branch: String) -> SIPMethod? { clientTransactions[branch]?.method }
    func clientRegistration(_ branch: String) -> Int? { clientTransactions[branch]?.registration }
    func removeServerTransaction(_ key: TransactionKey) { serverTransactions.removeValue(forKey: key) }
    func removeClientTransaction(_ branch: String) { clientTransactions.removeValue(forKey: branch) }

    func respondThroughServerTransaction(_ key: TransactionKey, _ response: SIPMessage) {
        guard var entry = serverTransactions[key], case .nonInvite(var transaction) = entry.transaction else { return }
        let actions = transaction.send(response)
        entry.transaction = .nonInvite(transaction)
        serverTransactions[key] = entry
        run(actions, serverKey: key)
    }

    func respondThroughInviteTransaction(_ key: TransactionKey, _ response: SIPMessage) {
        guard var entry = serverTransactions[key], case .invite(var transaction) = entry.transaction else { return }
        let actions = transaction.send(response)
        entry.transaction = .invite(transaction)
        serverTransactions[key] = entry
        run(actions, serverKey: key)
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
        for timer in SIPTimer.allCases { cancelTimer(.session(id, timer)) }
        cancelTimer(.sessionTimer(id))
    }

    func fireServerTimer(_ key: TransactionKey, _ timer: SIPTimer) {
        guard var entry = serverTransactions[key] else { return }
        let actions: [TransactionAction]
        switch entry.transaction {
        case .invite(var transaction):
            actions = transaction.timerFired(timer)
            entry.transaction = .invite(transaction)
        case .nonInvite(var transaction):
            actions = transaction.timerFired(timer)
            entry.transaction = .nonInvite(transaction)
        }
        serverTransactions[key] = entry
        run(actions, serverKey: key)
    }

    func fireClientTimer(_ branch: String, _ timer: SIPTimer) {
        guard var entry = clientTransactions[branch] else { return }
        let actions = entry.transaction.timerFired(timer)
        clientTransactions[branch] = entry
        run(actions, clientBranch: branch)
    }
}
