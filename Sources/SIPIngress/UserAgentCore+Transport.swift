import Logging
import NIOCore

/// Sending through the right transport (RFC 3261 §18.2.2): datagrams to the peer's address,
/// stream messages on the peer's connection — reopened when the peer has closed it.
extension UserAgentCore {
    /// Writes a message to a peer.
    func send(_ message: SIPMessage, _ peer: SIPPeer) {
        let allocator = datagramChannel?.allocator ?? ByteBufferAllocator()
        var buffer = allocator.buffer(capacity: 1024)
        message.write(into: &buffer)
        deliver(buffer, to: peer)
    }

    /// Writes bytes that are not a `SIPMessage` (the stateless 400, a keepalive pong).
    func sendRaw(_ bytes: [UInt8], to peer: SIPPeer) {
        deliver(ByteBuffer(bytes: bytes), to: peer)
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

    /// A reopened connection takes the number of the one it replaces, so the sessions and
    /// transactions that name that number use it.
    func reattach(_ channel: any Channel, as id: Int) {
        connections[id] = channel
    }

    /// Forgets a closed connection (unless another one has taken its number since).
    func unregister(_ id: Int, channel: any Channel) {
        if let current = connections[id], current !== channel { return }
        connections.removeValue(forKey: id)
    }

    private func deliver(_ buffer: ByteBuffer, to peer: SIPPeer) {
        guard let id = peer.transport.connection else {
            datagramChannel?.writeAndFlush(AddressedEnvelope(remoteAddress: peer.address, data: buffer), promise: nil)
            return
        }
        if let channel = connections[id] {
            channel.writeAndFlush(buffer, promise: nil)
        } else {
            reopen(id, for: peer, sending: buffer)
        }
    }
}
