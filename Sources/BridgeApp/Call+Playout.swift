import Logging
import NIOCore
import RTPMedia
import SIPIngress
import Transcode
import WSEgress

/// AI → caller: stream events in, paced RTP out.
extension Call: StreamConnectionDelegate {
    func streamReceived(_ event: InboundEvent) {
        guard isActive || isConnecting, !drainingAfterStop else { return }
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
            // clearedAudio; the next pacer tick already sends silence. Twilio: no answer to
            // `clear`, but every dropped mark comes back.
            let dropped = playout.clear()
            queueRanDryAt = nil
            guard let stream else { return }
            var buffer = stream.messageBuffer(capacity: 128)
            if streamSession.writeClearedAudio(into: &buffer) {
                stream.send(text: consume buffer)
            } else if !dropped.isEmpty {
                sendPlayedStream(dropped)
            }
            statusCallback("ClearedAudio")
        case .stop:
            guard route.stream.drainOnStop, playout.queuedBytes > 0, isActive else { return end(.streamStopped) }
            // drain_on_stop: the stream is over, the queued audio still plays, then BYE.
            logger.info("stream stopped; playing out the queue first", metadata: ["queued_bytes": "\(playout.queuedBytes)"])
            drainingAfterStop = true
            stream?.close()
        case .sendDTMF(let digits, _):
            sendDigits(digits)
        case .other(let name):
            stats.wsUnknownEvents += 1
            logger.debug("ignoring unknown stream event", metadata: ["event": "\(name)"])
        }
    }

    func streamReceivedMalformed(_ error: StreamProtocolError) {
        stats.wsMalformedMessages += 1
        logger.info("ignoring malformed stream message", metadata: ["error": "\(error)"])
    }

    func streamClosed(_ reason: StreamCloseReason) {
        if case .localClose = reason { return }
        logger.info("stream closed", metadata: ["reason": "\(reason)"])
        switch reason {
        case .connectionLost: metrics?.streamFailed(.connectionLost)
        case .keepaliveTimeout: metrics?.streamFailed(.pingTimeout)
        case .protocolError: metrics?.streamFailed(.protocolError)
        case .remoteClose, .localClose: break
        }
        streamLost(reason)
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
            playout.append(scratchBuffer())
        }
        stats.playoutBytesQueued = playout.queuedBytes
        stats.playoutBytesDropped = playout.droppedBytes
        if wasIdle, let dryAt = queueRanDryAt, playout.queuedBytes > 0 {
            queueRanDryAt = nil
            if playoutStarved && arrival - dryAt <= .milliseconds(300) { stats.playoutUnderruns += 1 }
        }
        if wasIdle && playout.queuedBytes > 0 && isActive { sendOnArrival(arrival) }
    }

    /// Audio that finds the queue empty goes out now, not at the next tick. Within a talk-spurt
    /// (the last slot carried audio) it does when its slot is near enough
    /// (`Pacer.claimNextFrame(arrival:)`) and takes that slot, so the cadence and timestamps
    /// hold. Audio that starts one (it gets the marker bit, `sendFrame`) always does, and its
    /// slot moves to the first clock tick half an interval or more after the arrival
    /// (`Pacer.claimTalkSpurt(slot:)`): a real-time stream's later frames then have 10–15 ms
    /// of room for jitter either way (plus a tick's wait when late) wherever the silence left
    /// the grid. Each later frame sent on arrival draws the grid an eighth of the way back to
    /// that half interval (`Pacer.track(arrival:slot:target:)`): a stream whose clock drifts
    /// late against the bridge's keeps its room.
    private func sendOnArrival(_ arrival: NIODeadline) {
        guard !dtmfOut.isActive, var pacer else { return }
        let halfInterval = TimeAmount.nanoseconds(pacer.interval.nanoseconds / 2)
        if previousSlotHadAudio {
            let slot = pacer.nextDeadline
            guard pacer.claimNextFrame(arrival: arrival) else { return }
            pacer.track(arrival: arrival, slot: slot, target: halfInterval)
        } else {
            pacer.claimTalkSpurt(slot: clock.tick(atOrAfter: arrival + halfInterval))
        }
        self.pacer = pacer
        sendFrame()
        stream?.flush()
        if stats.firstAudioDelayMicroseconds == nil {
            stats.firstAudioDelayMicroseconds = Int((NIODeadline.now() - arrival).nanoseconds / 1000)
        }
    }

    /// Sends one 20 ms RTP packet: queued AI audio, or silence to keep NAT bindings and the
    /// carrier's RTP timeout alive. Checkpoints whose audio is now out are acknowledged. The
    /// marker bit (RFC 3551 §4.1) goes on the first audio after a slot without any — not on
    /// every frame that found the queue empty: an AI server streaming in real time empties it
    /// with each frame, and a receiver may re-synchronise its jitter buffer on every marker.
    func sendFrame() {
        let slotHadAudio = previousSlotHadAudio
        previousSlotHadAudio = false
        guard let rtp else { return }
        guard sendsMedia else {
            // On hold (RFC 3264 §8.4): nothing goes out, the queued AI audio waits for the
            // resume, and the timestamp keeps time so the next packet starts a talk-spurt.
            sender.skip(frames: 1)
            sender.startTalkSpurt()
            if queueRanDryAt != nil { playoutStarved = true }
            streamOutboundTrack(payload: nil)
            return
        }
        if let eventType = media.telephoneEventPayloadType, let event = dtmfOut.nextSlot(timestamp: sender.nextTimestamp) {
            var packet = rtp.allocator.buffer(capacity: RTPHeader.fixedSize + 4)
            sender.writeHeader(payloadType: eventType, timestamp: event.timestamp, marker: event.marker, into: &packet)
            packet.writeBytes(event.payload)
            sender.skip(frames: 1)
            transmit(packet, on: rtp)
            lastSlotWasEvent = true
            streamOutboundTrack(payload: nil)
            return
        }
        if lastSlotWasEvent {
            lastSlotWasEvent = false
            sender.startTalkSpurt()
        }
        let frameSize = media.codec.bytesPer20ms
        if !rtpConfig.silenceWhenIdle && playout.queuedBytes == 0 {
            // DTX: nothing to send; the timestamp still advances with time (RFC 3550 §5.1).
            sender.skip(frames: 1)
            sender.startTalkSpurt()
            if queueRanDryAt != nil { playoutStarved = true }
            streamOutboundTrack(payload: nil)
            return
        }
        if !slotHadAudio && playout.queuedBytes > 0 { sender.startTalkSpurt() }
        var packet = packetBuffer(capacity: RTPHeader.fixedSize + frameSize, on: rtp)
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
        stats.bytesOut += packet.readableBytes - RTPHeader.fixedSize
        measureLevel(frame.hasAudio ? packet : nil)
        streamOutboundTrack(payload: packet.getSlice(at: packet.readerIndex + RTPHeader.fixedSize, length: packet.readableBytes - RTPHeader.fixedSize))
        transmit(packet, on: rtp)
        spentPacket.keep(packet)
        if frame.hasAudio {
            previousSlotHadAudio = true
            stats.audioFramesOut += 1
            if playout.queuedBytes == 0 {
                queueRanDryAt = .now()
                playoutStarved = false
            }
        } else if queueRanDryAt != nil {
            playoutStarved = true
        }
        stats.playoutBytesQueued = playout.queuedBytes
        if !frame.passedMarkers.isEmpty { sendPlayedStream(frame.passedMarkers) }
        if drainingAfterStop && playout.queuedBytes == 0 { end(.streamStopped) }
    }

    /// A buffer for the next RTP packet: the last packet's storage when the socket no longer
    /// holds it (sent, on a shared socket at the end of the loop's pass: 20 ms ago), else new.
    private func packetBuffer(capacity: Int, on rtp: RTPTransport) -> ByteBuffer {
        spentPacket.take(minimumCapacity: capacity) ?? rtp.allocator.buffer(capacity: capacity)
    }

    /// Feeds the dashboard's AI meter with the frame going out (`nil`: silence).
    private func measureLevel(_ packet: ByteBuffer?) {
        guard let packet else { return levelOut.measureSilence() }
        switch media.codec {
        case .pcmu: packet.withUnsafeReadableBytes { levelOut.measure(muLaw: UnsafeRawBufferPointer(rebasing: $0.dropFirst(RTPHeader.fixedSize))) }
        case .pcma: packet.withUnsafeReadableBytes { levelOut.measure(aLaw: UnsafeRawBufferPointer(rebasing: $0.dropFirst(RTPHeader.fixedSize))) }
        case .g722: frameScratch.withUnsafeReadableBytes { levelOut.measure(l16: $0, bigEndian: false) }
        }
    }

    /// Plays key presses to the caller: as RFC 4733 telephone-events when the caller offered
    /// them, else as in-band Q.23 tones queued like any other audio.
    private func sendDigits(_ digits: String) {
        stats.dtmfDigitsSent += digits.count
        logger.info("sending DTMF", metadata: ["digits": "\(digits)"])
        guard media.telephoneEventPayloadType == nil else {
            dtmfOut.enqueue(digits)
            return
        }
        var samples: [Int16] = []
        for digit in digits { DTMFTone.append(digit, sampleRate: 8000, to: &samples) }
        enqueue(PlayAudio(contentType: "audio/x-mulaw", sampleRate: 8000, payload: ByteBuffer(bytes: samples.map(MuLaw.encode))))
    }

    private func sendPlayedStream(_ names: [String]) {
        guard let stream else { return }
        for name in names {
            var buffer = stream.messageBuffer(capacity: 128 + name.utf8.count)
            streamSession.writePlayedStream(name: name, into: &buffer)
            stream.write(text: consume buffer)
            statusCallback("PlayedStream", [("Name", name)])
        }
        stream.flush()
    }
}
