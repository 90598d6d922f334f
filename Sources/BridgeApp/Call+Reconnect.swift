import Foundation
import Logging
import NIOCore
import RTPMedia
import Transcode
import WSEgress

/// Opt-in reconnect (issue 5; PEERS: "reconnect must be explicit and flagged"): a stream lost
/// mid-call — dropped, dead (keepalive), or closed with any code but 1000 (e.g. 1001 when the AI
/// server restarts) — is opened again with a new `streamId`, a fresh `start` that names the
/// previous stream, and counters from 1. The caller hears silence meanwhile; audio queued for
/// the old stream and its checkpoints are dropped. A close with 1000 is the server ending the
/// stream on purpose and always hangs up.
extension Call {
    func streamLost(_ reason: StreamCloseReason) {
        if case .remoteClose = reason {} else { statusCallback("DroppedStream", [("Reason", "\(reason)")]) }
        let deliberate = if case .remoteClose(let code) = reason, code == 1000 { true } else { false }
        guard !deliberate, isActive, !drainingAfterStop, reconnectAttempts < route.stream.reconnectMaxRetries,
            connectOptions != nil
        else { return end(.streamClosed) }
        reconnectAttempts += 1
        let previous = streamSession.streamId
        stream = nil
        playout.clear()
        framer = InboundFramer(frameSize: route.stream.contentType.bytesPer20ms)
        var start = streamSession.start
        start.streamId = EntropyPool.current.uuid().uuidString.lowercased()
        start.previousStreamId = previous
        streamSession = StreamSession(
            start: start, startEpochMilliseconds: Int(Date().timeIntervalSince1970 * 1000), dialect: route.stream.dialect)
        // First retry at once, then 250 ms, 500 ms, … up to 4 s apart.
        let delay: TimeAmount = reconnectAttempts == 1 ? .zero : .milliseconds(250 << Int64(min(4, reconnectAttempts - 2)))
        logger.warning(
            "stream lost; reconnecting",
            metadata: ["reason": "\(reason)", "attempt": "\(reconnectAttempts)", "stream.id": "\(start.streamId)"])
        eventLoop.assumeIsolated().scheduleTask(in: delay) { self.reopenStream() }
    }

    private func reopenStream() {
        guard isActive, let options = connectOptions, let url = try? streamURL() else { return }
        StreamConnection.connect(to: url, options: options, eventLoop: eventLoop, delegate: self)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let connection):
                    guard self.isActive else { return connection.close() }
                    self.stream = connection
                    self.reconnectAttempts = 0
                    self.stats.streamReconnects += 1
                    self.sendStart(on: connection)
                    self.logger.info("stream reconnected", metadata: ["stream.id": "\(self.streamSession.streamId)"])
                case .failure(let error):
                    self.logger.info("reconnect failed", metadata: ["error": "\(error)"])
                    self.metrics?.streamConnectFailed(error)
                    self.streamLost(.connectionLost)
                }
            }
    }
}

extension Call {
    /// The stream's opening: Twilio's `connected` preamble in a frame of its own, then `start`
    /// (spec §3.1, §7).
    func sendStart(on connection: StreamConnection) {
        var preamble = connection.messageBuffer(capacity: 64)
        if streamSession.writeConnected(into: &preamble) { connection.send(text: consume preamble) }
        var buffer = connection.messageBuffer(capacity: 512)
        streamSession.writeStart(into: &buffer)
        connection.send(text: consume buffer)
        statusCallbackStarted()
    }
}
