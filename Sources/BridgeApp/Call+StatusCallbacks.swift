import Foundation
import SIPIngress
import Transcode
import WSEgress

/// The status callbacks of a call's stream (stream spec §5.8), sent through the registry's
/// `StatusCallbackSender` when the route has `stream.status_callback_url`.
extension Call {
    /// Sends `event` with the stream's identity, the route's `X-VH-*` parameters and `extra`.
    func statusCallback(_ event: String, _ extra: [(name: String, value: String)] = []) {
        guard let url = route.stream.statusCallbackURL, let callbacks else { return }
        var fields: [(name: String, value: String)] = [
            ("Event", event), ("StreamID", streamSession.streamId), ("CallUUID", id),
            ("Timestamp", Date().formatted(.iso8601)), ("From", incoming.fromUser ?? ""),
            ("To", incoming.toUser ?? incoming.requestUser ?? ""),
        ]
        fields += extra
        fields += streamParameters.map { ("X-VH-\($0.name)", $0.value) }
        callbacks.send(StatusCallback(url: url, method: route.stream.statusCallbackMethod, event: event, fields: fields))
    }

    /// `StartStream`: the socket is up and `start` went out.
    func statusCallbackStarted() {
        let stream = route.stream
        statusCallback("StartStream", [
            ("ServiceURL", (try? streamURL().description) ?? stream.url),
            ("AudioTrack", stream.tracks.count == 2 ? "both" : stream.tracks.first?.rawValue ?? "inbound"),
            ("Bidirectional", stream.bidirectional ? "true" : "false"),
            ("ContentType", stream.contentType.contentType),
            ("StreamTimeout", "\(stream.streamTimeoutSeconds)"),
        ])
    }
}
