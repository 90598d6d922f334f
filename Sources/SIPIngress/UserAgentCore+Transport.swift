import Logging
import NIOCore

/// Sending through the right transport (RFC 3261 §18.2.2): datagrams to the peer's address,
/// stream messages on the peer's connection.
extension UserAgentCore {
    /// Writes a message to a peer.
    func send(_ message: SIPMessage, _ peer: SIPPeer) {
        guard let channel = channel(for: peer) else { return }
        var buffer = channel.allocator.buffer(capacity: 1024)
        message.write(into: &buffer)
        write(buffer, on: channel, to: peer)
    }

    /// Writes bytes that are not a `SIPMessage` (the stateless 400, a keepalive pong).
    func sendRaw(_ bytes: [UInt8], to peer: SIPPeer) {
        guard let channel = channel(for: peer) else { return }
        write(channel.allocator.buffer(bytes: bytes), on: channel, to: peer)
    }

    /// The Via and Contact identity for messages to `peer`: the listener of its transport.
    func local(for peer: SIPPeer) -> LocalEndpoint {
        peer.transport == .udp ? local : streamLocals[peer.transport.viaToken] ?? local
    }

    /// Numbers a new stream connection.
    func register(_ channel: any Channel) -> Int {
        let id = nextConnection
        nextConnection += 1
        connections[id] = channel
        return id
    }

    /// Forgets a closed connection.
    func unregister(_ id: Int) {
        connections.removeValue(forKey: id)
    }

    private func channel(for peer: SIPPeer) -> (any Channel)? {
        guard let id = peer.transport.connection else { return datagramChannel }
        guard let channel = connections[id] else {
            // The caller closed the connection; a new one to its address is future work, the
            // transaction's timer ends whatever waited for an answer.
            logger.info("SIP connection closed; message not sent", metadata: ["peer": "\(peer)"])
            return nil
        }
        return channel
    }

    private func write(_ buffer: ByteBuffer, on channel: any Channel, to peer: SIPPeer) {
        if peer.transport == .udp {
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: peer.address, data: buffer), promise: nil)
        } else {
            channel.writeAndFlush(buffer, promise: nil)
        }
    }
}
