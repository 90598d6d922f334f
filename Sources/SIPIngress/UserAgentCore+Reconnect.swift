import Logging
import NIOCore

/// Reopening a stream connection the peer closed (RFC 3261 §18.2.2: "If that connection is no
/// longer open, the server SHOULD open a connection to the IP address in the received
/// parameter, … using the port in the sent-by value, or the default port"). The bridge's own
/// in-dialog requests (a BYE when the AI server hangs up, a session refresh) take the same way:
/// a carrier that closed an idle connection still gets them.
extension UserAgentCore {
    /// Messages queued for one connection being reopened, at most.
    static let reopenQueueLimit = 64

    /// Queues `buffer` for connection `id` and opens a new connection to the peer if none is
    /// being opened; without an address to reopen (a peer that sent no request) or a connector
    /// for the transport, the message is dropped and the transaction's timer ends what waited.
    func reopen(_ id: Int, for peer: SIPPeer, sending buffer: ByteBuffer) {
        if reopening[id] != nil {
            guard reopening[id]!.count < Self.reopenQueueLimit else {
                logger.info("SIP connection still reopening; message dropped", metadata: ["peer": "\(peer)"])
                return
            }
            reopening[id]!.append(buffer)
            return
        }
        // A source outside `sip.trusted_sources` gets no connection from the bridge: a stranger
        // that opens, sends and closes must not make it dial back (its 403 is simply not sent).
        guard let target = peer.reopenAddress, let connector = streamConnectors[peer.transport.viaToken],
            admission.trusts(peer.ipAddress ?? "")
        else {
            logger.info("SIP connection closed and cannot be reopened; message not sent", metadata: ["peer": "\(peer)"])
            return
        }
        reopening[id] = [buffer]
        logger.info("SIP connection closed; reopening", metadata: ["peer": "\(peer)", "target": "\(target)"])
        connector.connect(to: target, as: id, core: self).assumeIsolated().whenComplete { result in
            let queued = self.reopening.removeValue(forKey: id) ?? []
            switch result {
            case .success(let channel):
                for buffer in queued { channel.write(buffer, promise: nil) }
                channel.flush()
            case .failure(let error):
                self.logger.warning(
                    "SIP connection could not be reopened; messages not sent",
                    metadata: ["target": "\(target)", "messages": "\(queued.count)", "error": "\(error)"])
            }
        }
    }
}
