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

    /// Converts a `playAudio` payload to the queue's form and queues it (spec §4.1 rules 1-3:
    /// a format other than the negotiated one is transcoded and resampled, not garbled).
    private func enqueue(_ play: PlayAudio) {
        guard let format = play.audioFormat(negotiated: route.stream.contentType) else {
            logger.info(
                "dropping playAudio in an unsupported format",
                metadata: ["contentType": "\(play.contentType ?? "-")", "sampleRate": "\(play.sampleRate ?? 0)"])
            return
        }
        var input = play.payload
        if format.encoding == .l16 && input.readableBytes % 2 == 1 {
            // Spec §4.1: L16 is whole samples; an odd trailing byte is dropped with a warning.
            logger.info("dropping the odd trailing byte of an L16 playAudio", metadata: ["bytes": "\(input.readableBytes)"])
            input.moveWriterIndex(to: input.writerIndex - 1)
        }
        let arrival = NIODeadline.now()
        let wasIdle = playout.queuedBytes == 0
        if outbound.isPassthrough(format) {
            playout.append(input)
        } else {
            scratch.removeAll(keepingCapacity: true)
            do {
                try input.withUnsafeReadableBytes { try outbound.enqueueForm(of: $0, format: format, into: &scratch) }
            } catch {
                logger.info("dropping playAudio", metadata: ["error": "\(error)"])
                return
            }
            playout.append(ByteBuffer(bytes: scratch))
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
        let frame: PlayoutQueue.Frame
        if media.codec.isG711 {
            frame = playout.takeFrame(size: frameSize, silence: media.codec.silenceCode, into: &packet)
        } else {
            // G.722: the queue holds 16 kHz PCM; encode the frame as it goes out.
            frameScratch.clear()
            frame = playout.takeFrame(size: outbound.queueFrameBytes, silence: outbound.queueSilenceByte, into: &frameScratch)
            packet.writeWithUnsafeMutableBytes(minimumWritableBytes: frameSize) { target in
                frameScratch.withUnsafeReadableBytes { outbound.payload(fromQueueFrame: $0, into: target) }
            }
        }
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
