import NIOCore
import Transcode
import WSEgress

/// `audio_track: outbound | both` (spec §1, §3.2): what the bridge plays to the caller goes to
/// the AI server too, as `media` events on the `outbound` track with their own `chunk`
/// counter, one per 20 ms slot from the answer on, so `timestamp` stays on the clock: the RTP
/// payload actually sent (decoded and converted like the caller's audio), or silence for a
/// slot that carried a telephone-event or nothing (DTX).
extension Call {
    func streamOutboundTrack(payload: ByteBuffer?) {
        guard outboundTrack != nil, let stream else { return }
        scratch.removeAll(keepingCapacity: true)
        if let payload {
            // In place: a copy of the transcoder would copy its buffers every frame.
            payload.withUnsafeReadableBytes { outboundTrack!.transcode($0, into: &scratch) }
        } else {
            let format = route.stream.contentType
            scratch.append(contentsOf: repeatElement(format.encoding == .mulaw ? 0xFF : 0, count: format.bytesPer20ms))
        }
        var buffer = stream.messageBuffer(capacity: 160 + (scratch.count + 2) / 3 * 4)
        streamSession.writeMedia(scratchBuffer(), track: .outbound, into: &buffer)
        stream.writeMedia(text: consume buffer)
        stats.mediaSent += 1
        noteMediaDrops(stream)
    }
}
