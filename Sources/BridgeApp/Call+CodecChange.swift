import Logging
import NIOCore
import RTPMedia
import SIPIngress
import Transcode

/// A re-offer that changes the codec (RFC 3264 §8.3.2, issue 3: "codec change applied to the
/// media"). The caller's leg switches; the AI server's stream keeps its format, so it never
/// notices: the inbound transcoder decodes the new codec into the same stream format, and the
/// AI's queued audio is re-encoded for the new codec with its checkpoints in place.
extension Call {
    /// The codecs a re-offer may move the call to: the call's own first (an offer that still
    /// has it keeps it), then the route's preference order (`route.codecs`, else `rtp.codecs`).
    var renegotiationPreferences: [AudioCodec] {
        [media.codec] + (route.codecs ?? rtpConfig.codecs).filter { $0 != media.codec }
    }

    /// Switches the caller's leg to `negotiated`'s codec and payload type. Nothing changes when
    /// the stream format cannot be made from the new codec (the re-offer is then refused 488).
    /// The RTP stream keeps its SSRC, sequence numbers and timestamps (RFC 3550 §5.1; all three
    /// codecs count 8000 timestamp units per second, RFC 3551 §4.5.2) and starts a talk-spurt.
    func changeCodec(to negotiated: NegotiatedMedia) throws {
        let format = route.stream.contentType
        let newInbound = try InboundTranscoder(
            codec: negotiated.codec, format: format, byteOrder: route.stream.l16InboundByteOrder)
        let newTrack: InboundTranscoder? =
            if outboundTrack == nil {
                nil
            } else {
                try InboundTranscoder(codec: negotiated.codec, format: format, byteOrder: route.stream.l16InboundByteOrder)
            }
        var newOutbound = OutboundTranscoder(codec: negotiated.codec, byteOrder: route.stream.l16OutboundByteOrder)
        let oldCodec = media.codec
        var failure: TranscodeError?
        playout.reencode(
            maximumBytes: newOutbound.queueFrameBytes * 50 * rtpConfig.maxQueuedSeconds,
            newFrameBytes: newOutbound.queueFrameBytes, oldFrameBytes: outbound.queueFrameBytes
        ) { old, converted in
            do throws(TranscodeError) {
                try newOutbound.enqueueForm(ofQueueAudio: old, queuedFor: oldCodec, into: &converted)
            } catch {
                failure = error
            }
        }
        if let failure {
            logger.warning("queued AI audio could not be converted for the new codec", metadata: ["error": "\(failure)"])
        }
        inbound = newInbound
        outboundTrack = newTrack
        outbound = newOutbound
        frameScratch.clear()
        // Packets the reorder buffer holds are in the old codec: forget them.
        jitterBuffer.reset()
        sender.payloadType = negotiated.payloadType
        sender.startTalkSpurt()
        media.codec = negotiated.codec
        media.payloadType = negotiated.payloadType
        stats.playoutBytesQueued = playout.queuedBytes
        logger.info(
            "codec changed by a re-offer",
            metadata: ["codec.old": "\(oldCodec)", "codec": "\(negotiated.codec)", "payload_type": "\(negotiated.payloadType)"])
    }
}
