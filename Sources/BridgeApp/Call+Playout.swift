import Logging
import NIOCore
import RTPMedia
import SIPIngress
import Transcode
import WSEgress

/// AI → caller: stream events in, paced RTP out.
extension Call: StreamConnectionDelegate {
    func streamReceived(_ event: InboundEvent) {
        guard isActive || isConnecting else { return }
        switch event {
        case .playAudio(let play):
            guard route.stream.bidirectional else { return }
            stats.playAudioReceived += 1
            enqueue(play)
        case .checkpoint(let name, _):
            guard route.stream.bidirectional else { return }
            if playout.appendCheckpoint(name) { sendPlayedStream([name]) }
        case .clearAudio:
            guard route.stream.bidirectional else { return }
            // Spec §5.2: queued audio and pending checkpoints go (unacknowledged), then
            // clearedAudio; the next pacer tick already sends silence.
            playout.clear()
            guard let stream else { return }
            var buffer = stream.channel.allocator.buffer(capacity: 128)
            streamSession.writeClearedAudio(into: &buffer)
            stream.send(text: buffer)
        case .stop:
            end(.streamStopped)
        case .other(let name):
            logger.debug("ignoring unknown stream event", metadata: ["event": "\(name)"])
        }
    }

    func streamReceivedMalformed(_ error: StreamProtocolError) {
        logger.info("ignoring malformed stream message", metadata: ["error": "\(error)"])
    }

    func streamClosed(_ reason: StreamCloseReason) {
        if case .localClose = reason { return }
        logger.info("stream closed", metadata: ["reason": "\(reason)"])
        end(.streamClosed)
    }

    private var isConnecting: Bool {
        !isActive && stream != nil
    }

    /// Converts a `playAudio` payload to the call's codec and queues it (spec §4.1 rules 1-3).
    private func enqueue(_ play: PlayAudio) {
        guard let format = play.audioFormat(negotiated: route.stream.contentType), format.sampleRate == 8000 else {
            logger.info(
                "dropping playAudio in an unsupported format",
                metadata: ["contentType": "\(play.contentType ?? "-")", "sampleRate": "\(play.sampleRate ?? 0)"])
            return
        }
        let input = play.payload
        let arrival = NIODeadline.now()
        let wasIdle = playout.queuedBytes == 0
        if format.encoding == .mulaw && media.codec == .pcmu {
            playout.append(input)
        } else {
            var output = ByteBuffer()
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: input.readableBytes) { target in
                input.withUnsafeReadableBytes { source in
                    AudioConverter.streamToCodec(
                        source, encoding: format.encoding, byteOrder: .little, codec: media.codec, output: target)
                }
            }
            playout.append(output)
        }
        stats.playoutBytesQueued = playout.queuedBytes
        if wasIdle && playout.queuedBytes > 0 && isActive { startTalkSpurt(arrival: arrival) }
    }

    /// The first frame of a talk-spurt goes out now with the marker bit (RFC 3551 §4.1), not
    /// at the next tick; it takes the next grid slot, so the cadence and timestamps hold.
    private func startTalkSpurt(arrival: NIODeadline) {
        // At most one early packet per grid slot: if the next slot is already claimed, the
        // pacer sends this audio on its deadline.
        guard var pacer, pacer.nextDeadline <= arrival + pacer.interval else { return }
        sender.startTalkSpurt()
        sendFrame()
        pacer.claimNextFrame()
        self.pacer = pacer
        stream?.flush()
        if stats.firstAudioDelayMicroseconds == nil {
            stats.firstAudioDelayMicroseconds = Int((NIODeadline.now() - arrival).nanoseconds / 1000)
        }
    }

    /// Sends one 20 ms RTP packet: queued AI audio, or silence to keep NAT bindings and the
    /// carrier's RTP timeout alive. Checkpoints whose audio is now out are acknowledged.
    func sendFrame() {
        guard let rtp else { return }
        let frameSize = media.codec.bytesPer20ms
        if !rtpConfig.silenceWhenIdle && playout.queuedBytes == 0 {
            // DTX: nothing to send; the timestamp still advances with time (RFC 3550 §5.1).
            sender.skip(frames: 1)
            sender.startTalkSpurt()
            return
        }
        var packet = rtp.channel.allocator.buffer(capacity: RTPHeader.fixedSize + frameSize)
        sender.writeNextHeader(into: &packet)
        let frame = playout.takeFrame(size: frameSize, silence: media.codec.silenceCode, into: &packet)
        rtp.send(packet, to: remoteRTPAddress)
        stats.packetsOut += 1
        if frame.hasAudio { stats.audioFramesOut += 1 }
        stats.playoutBytesQueued = playout.queuedBytes
        if !frame.passedMarkers.isEmpty { sendPlayedStream(frame.passedMarkers) }
    }

    private func sendPlayedStream(_ names: [String]) {
        guard let stream else { return }
        for name in names {
            var buffer = stream.channel.allocator.buffer(capacity: 128 + name.utf8.count)
            streamSession.writePlayedStream(name: name, into: &buffer)
            stream.write(text: buffer)
        }
        stream.flush()
    }
}
