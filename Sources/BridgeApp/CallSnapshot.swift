import Foundation
import NIOCore
import RTPMedia
import SIPIngress
import Transcode
import WSEgress

/// One active call as `/status` shows it (schema in `docs/status.md`).
struct CallSnapshot: Sendable, Codable {
    var callID: String
    var streamID: String
    var sipCallID: String
    var from: String
    var to: String
    var route: String
    var codec: String
    var state: String
    var startedAt: Date
    var durationSeconds: Double
    var localRTPPort: Int?
    /// `per_loop` when the call shares its event loop's RTP port (`rtp.sockets`), else `per_call`.
    var rtpSocket: String
    var remoteRTP: String
    var media: MediaStats
    /// Peak level of the caller's audio as streamed, dBFS (-96 = silence).
    var levelInDBFS: Double
    /// Peak level of the AI's audio as played to the caller, dBFS.
    var levelOutDBFS: Double

    enum CodingKeys: String, CodingKey {
        case callID = "call_id"
        case streamID = "stream_id"
        case sipCallID = "sip_call_id"
        case from, to, route, codec, state
        case startedAt = "started_at"
        case durationSeconds = "duration_s"
        case localRTPPort = "local_rtp_port"
        case rtpSocket = "rtp_socket"
        case remoteRTP = "remote_rtp"
        case media
        case levelInDBFS = "level_in_dbfs"
        case levelOutDBFS = "level_out_dbfs"
    }
}

extension Call {
    /// The call's status, taken on its loop.
    func snapshot() -> CallSnapshot {
        updateQualityEstimate()
        return CallSnapshot(
            callID: id, streamID: streamSession.streamId, sipCallID: incoming.sipCallID,
            from: incoming.fromUser ?? incoming.invite.from.uri.text, to: incoming.toUser ?? incoming.requestUser ?? "",
            route: route.name, codec: media.codec.rawValue, state: isActive ? "active" : "connecting",
            startedAt: startedAt, durationSeconds: Date().timeIntervalSince(startedAt), localRTPPort: rtp?.port,
            rtpSocket: rtp?.isShared == true ? "per_loop" : "per_call",
            remoteRTP: "\(remoteRTPAddress.ipAddress ?? "?"):\(remoteRTPAddress.port ?? 0)", media: stats,
            levelInDBFS: Self.rounded(levelIn.decibelsFullScale), levelOutDBFS: Self.rounded(levelOut.decibelsFullScale))
    }

    private static func rounded(_ level: Float) -> Double {
        (Double(level) * 10).rounded() / 10
    }
}

extension Call {
    /// Refreshes `stats.mos`: the E-model (ITU-T G.107) on the caller's stream as received —
    /// loss counts packets never received and packets that came too late to play; the one-way
    /// delay is half the RTCP round trip (when known) + 20 ms packetisation + the reorder window.
    func updateQualityEstimate() {
        guard reception.expected > 0 else { return }
        let lossPercent = Double(max(0, reception.lost) + jitterBuffer.late) * 100 / Double(reception.expected)
        let delay = (stats.roundTripMilliseconds ?? 0) / 2 + 20 + Double(rtpConfig.reorderMilliseconds)
        let codec: EModel.CodecImpairment = media.codec == .g722 ? .g722 : .g711WithConcealment
        let rating = EModel.rating(oneWayDelayMilliseconds: delay, lossPercent: lossPercent, codec: codec)
        stats.mos = (EModel.meanOpinionScore(rating: rating) * 100).rounded() / 100
    }
}
