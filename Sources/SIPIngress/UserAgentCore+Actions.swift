import NIOCore

extension UserAgentCore {
    // MARK: - Application requests (called on the SIP loop via `UserAgent`)

    /// Answers the INVITE with 200 OK and the SDP answer.
    func accept(_ id: SessionID, sdp: String) {
        let timer = inPlace(id) { $0.sessionTimer } ?? .none
        let sequence = initialSequence()
        runSession(id) { $0.accept(sdp: sdp, headers: timer.responseHeaders(sessionTimerSettings), initialLocalSequence: sequence) }
        startSessionTimer(id, timer)
    }

    /// Sends 180 or 183 (with the SDP answer for early media) before the answer.
    func provisional(_ id: SessionID, status: Int, sdp: String?) {
        runSession(id) { $0.provisional(status: status, sdp: sdp) }
    }

    /// Rejects the INVITE with a final status.
    func reject(_ id: SessionID, status: Int, reason: String?, headers: [SIPHeader]) {
        runSession(id) { $0.reject(status: status, reason: reason, headers: headers) }
    }

    /// Ends the call: BYE once confirmed, a final response if not yet answered.
    func hangUp(_ id: SessionID, status: Int, headers: [SIPHeader] = []) {
        let branch = branch()
        runSession(id) { $0.hangUp(branch: branch, status: status, headers: headers) }
    }

    /// Ends every session (shutdown): BYE or 503, timers cancelled.
    func hangUpAll() {
        for id in Array(sessionIDs) { hangUp(id, status: 503) }
    }

    // MARK: - Running actions

    /// Applies an event to a session and carries out the actions it returns.
    func runSession(_ id: SessionID, _ event: (inout InviteSession) -> [SessionAction]) {
        guard let actions = mutateSession(id, event) else { return }
        for action in actions {
            switch action {
            case .respond(let response):
                guard let key = inviteKey(of: id) else { continue }
                respondThroughTransaction(key, response)
            case .retransmit(let response):
                if let peer = peer(of: id) { send(response, peer) }
            case .sendRequest(let request):
                guard let peer = peer(of: id), let branch = request.vias.first?.branch else { continue }
                startClientTransaction(request, branch: branch, peer: peer, session: id)
            case .schedule(let timer, let delay):
                schedule(.session(id, timer), after: delay)
            case .cancel(let timer):
                cancelTimer(.session(id, timer))
            case .ended(let reason):
                endSession(id)
                delegate.callEnded(id, reason: reason)
            }
        }
    }

    /// Carries out a server transaction's actions.
    func run(_ actions: [TransactionAction], serverKey key: TransactionKey) {
        guard !actions.isEmpty else { return }
        let peer = serverPeer(key)
        for action in actions {
            switch action {
            case .send(let message):
                if let peer { send(message, peer) }
            case .schedule(let timer, let delay):
                schedule(.server(key, timer), after: delay)
            case .cancel(let timer):
                cancelTimer(.server(key, timer))
            case .deliver, .timedOut:
                break  // server transactions deliver nothing; a Timer H timeout needs no TU action
            case .terminated:
                removeServerTransaction(key)
                cancelTimers(of: .server(key))
            }
        }
    }

    /// Carries out a client transaction's actions.
    func run(_ actions: [TransactionAction], clientBranch branch: String) {
        for action in actions {
            switch action {
            case .send(let message):
                if let peer = clientPeer(branch) { send(message, peer) }
            case .schedule(let timer, let delay):
                schedule(.client(branch, timer), after: delay)
            case .cancel(let timer):
                cancelTimer(.client(branch, timer))
            case .deliver(let response):
                guard let status = response.statusCode, status >= 200 else { continue }
                if let index = clientRegistration(branch) { registrationAnswered(index, response); continue }
                guard let id = clientSession(branch) else { continue }
                if clientMethod(branch) == .update { refreshAnswered(id, status: status); continue }
                runSession(id) { $0.byeCompleted() }
            case .timedOut:
                if let index = clientRegistration(branch) { registrationTimedOut(index); continue }
                guard let id = clientSession(branch) else { continue }
                if clientMethod(branch) == .update { refreshAnswered(id, status: 408); continue }
                runSession(id) { $0.byeCompleted() }
            case .terminated:
                removeClientTransaction(branch)
                cancelTimers(of: .client(branch))
            }
        }
    }

    // MARK: - Tokens and raw sends

    /// A random token for tags (RFC 3261 §19.3: at least 32 bits of randomness): 64 bits.
    ///
    /// Values come from `random.next()` itself: `random(in:using:)` on the existential
    /// generator runs unspecialized through witness tables, and `String(_:radix:)` is generic
    /// too (together a twentieth of an INVITE's dispatch).
    func token() -> String {
        Self.tokenText(random.next())
    }

    /// A fresh branch with the magic cookie (RFC 3261 §8.1.1.7): 96 random bits.
    func branch() -> String {
        "z9hG4bK" + Self.tokenText(random.next()) + Self.tokenText(random.next() >> 32, digits: 7)
    }

    /// A random initial CSeq for the bridge's requests in a dialog (RFC 3261 §8.1.1.5: below
    /// 2**31).
    func initialSequence() -> UInt32 {
        max(1, UInt32(truncatingIfNeeded: random.next() >> 33))
    }

    /// `value` in base 32, digits and lower-case letters (all `token` characters, RFC 3261
    /// §25.1), most significant first: 13 digits hold 64 bits, 7 hold 32 (leading zeros kept).
    static func tokenText(_ value: UInt64, digits: Int = 13) -> String {
        String(unsafeUninitializedCapacity: digits) { text in
            var rest = value
            for index in stride(from: digits - 1, through: 0, by: -1) {
                let digit = UInt8(truncatingIfNeeded: rest & 31)
                text[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                rest >>= 5
            }
            return digits
        }
    }
}

extension SocketAddress {
    /// The IP address and port as a tuple (port 0 when the address has none).
    var addressAndPort: (host: String, port: Int) {
        (ipAddress ?? "0.0.0.0", port ?? 0)
    }
}
