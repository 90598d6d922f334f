import Logging
import NIOCore

/// Outbound registrations (RFC 3261 §10.2): each `RegistrationClient` runs on the SIP loop,
/// its REGISTERs in non-INVITE client transactions over UDP to the registrar.
extension UserAgentCore {
    struct RegistrationEntry {
        var client: RegistrationClient
        let peer: SIPPeer
    }

    /// Starts registering every binding (called once the listeners are up).
    func startRegistrations(_ settings: [RegistrationSettings]) {
        for binding in settings {
            guard let address = try? SocketAddress(ipAddress: binding.registrarHost, port: binding.registrarPort) else {
                logger.error("registrar address is not an IP address", metadata: ["registrar": "\(binding.registrarHost)"])
                continue
            }
            let client = RegistrationClient(
                settings: binding, local: local, callID: "\(token())@\(local.host)", fromTag: token())
            registrations.append(RegistrationEntry(client: client, peer: SIPPeer(address: address)))
            sendRegister(registrations.count - 1)
        }
    }

    /// The state of every registration, for `/status`.
    var registrationStatuses: [RegistrationStatus] { registrations.map(\.client.status) }

    /// Removes every registered binding (drain): the provider stops sending calls here.
    func unregisterAll() {
        for index in registrations.indices where registrations[index].client.status.state == .registered {
            let branch = branch()
            logger.info("unregistering", metadata: ["aor": "\(registrations[index].client.status.addressOfRecord)"])
            let actions = registrations[index].client.unregister(branch: branch, cnonce: token())
            runRegistration(index, actions, branch: branch)
        }
    }

    /// Whether an unregistration still waits for the registrar.
    var unregistrationsPending: Bool { registrations.contains { $0.client.isRemovalPending } }

    func sendRegister(_ index: Int) {
        // A refresh or retry timer of a binding being removed.
        guard !registrations[index].client.removing else { return }
        let branch = branch()
        let actions = registrations[index].client.register(branch: branch, cnonce: token())
        runRegistration(index, actions, branch: branch)
    }

    func registrationAnswered(_ index: Int, _ response: SIPMessage) {
        let branch = branch()
        let before = registrations[index].client.status.state
        let actions = registrations[index].client.received(response, branch: branch, cnonce: token())
        let status = registrations[index].client.status
        if status.state != before || status.state == .failed {
            logger.info(
                "registration \(status.state.rawValue)",
                metadata: [
                    "aor": "\(status.addressOfRecord)", "status": "\(response.statusCode ?? 0)",
                    "granted_s": "\(status.grantedSeconds ?? 0)",
                ])
        }
        runRegistration(index, actions, branch: branch)
    }

    func registrationTimedOut(_ index: Int) {
        logger.info("registrar did not answer", metadata: ["aor": "\(registrations[index].client.status.addressOfRecord)"])
        runRegistration(index, registrations[index].client.timedOut(), branch: branch())
    }

    private func runRegistration(_ index: Int, _ actions: [RegistrationClient.Action], branch: String) {
        for action in actions {
            switch action {
            case .send(let request):
                startClientTransaction(request, branch: branch, peer: registrations[index].peer, session: nil, registration: index)
            case .schedule(let delay):
                schedule(.registration(index), after: delay)
            }
        }
    }
}
