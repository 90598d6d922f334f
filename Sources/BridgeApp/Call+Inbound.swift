import Logging
import NIOCore
import RTPMedia
import SIPIngress
import Transcode
import WSEgress

/// Caller → AI (ARCHITECTURE "The two media paths"): RTP in, one `media` event per 20 ms out.
///
/// Symmetric RTP: the first valid packet latches where the caller's media comes from; the
/// bridge sends there from then on and drops packets from anywhere else (issue 4: no media
/// hijack). Packets go through the reorder buffer, which releases in-order audio at once and
/// declares missing audio on the clock; missing audio is concealed (repeat and fade, then
/// silence), so the stream's cadence survives loss and DTX.
extension Call: RTPReceiver {
    func receivedRTP(_ datagram: ByteBuffer, from source: SocketAddress) {
        // RFC 3711 §3.3: an SRTP packet is authenticated before anything else; a forged one
        // latches nothing.
        guard isActive, let datagram = unprotected(datagram, rtcp: false) else { return }
        let packet: RTPPacket
        do {
            packet = try RTPPacket(parsing: datagram)
        } catch {
            stats.packetsDropped += 1
            return
        }
        guard acceptSource(source, payloadType: packet.header.payloadType) else { return }
        let now = NIODeadline.now()
        lastRTPArrival = now
        switch packet.header.payloadType {
        case media.payloadType:
            receivedAudio(packet, at: now)
        case media.telephoneEventPayloadType:
            noteSequenceNumber(of: packet)
            for digit in dtmf.push(packet.payload, timestamp: packet.header.timestamp) { sendDTMF(digit) }
        case 13:
            // Comfort noise (RFC 3389): the caller is silent; the buffer fills the gap.
            noteSequenceNumber(of: packet)
        default:
            stats.packetsDropped += 1
        }
    }

    /// Latches on the first packet of the negotiated codec (or telephone-event) and rejects
    /// other sources afterwards.
    private func acceptSource(_ source: SocketAddress, payloadType: UInt8) -> Bool {
        if let latched = latchedSource {
            guard latched == source else {
                stats.packetsFromOtherSources += 1
                return false
            }
            return true
        }
        guard payloadType == media.payloadType || payloadType == media.telephoneEventPayloadType else {
            stats.packetsDropped += 1
            return false
        }
        latchedSource = source
        if source != remoteRTPAddress {
            logger.info("RTP latched", metadata: ["rtp.sdp": "\(remoteRTPAddress)", "rtp.source": "\(source)"])
            remoteRTPAddress = source
        }
        return true
    }

    /// A packet of the audio's stream that carries no audio still counts in its sequence, so
    /// that the reorder buffer tells the silence it stood for from loss.
    private func noteSequenceNumber(of packet: RTPPacket) {
        guard packet.header.ssrc == ssrc else { return }
        jitterBuffer.noteSequenceNumber(packet.header.sequenceNumber)
    }

    private func receivedAudio(_ packet: RTPPacket, at now: NIODeadline) {
        if let ssrc, ssrc != packet.header.ssrc {
            jitterBuffer.reset()
            reception = ReceptionStatistics(clockRate: media.codec.clockRate)
        }
        ssrc = packet.header.ssrc
        guard reception.record(sequenceNumber: packet.header.sequenceNumber, timestamp: packet.header.timestamp, arrival: now)
        else { return }
        stats.packetsIn += 1
        stats.bytesIn += packet.payload.readableBytes
        bufferOutputs.removeAll(keepingCapacity: true)
        jitterBuffer.push(
            timestamp: packet.header.timestamp, sequenceNumber: packet.header.sequenceNumber, payload: packet.payload,
            arrival: now, into: &bufferOutputs)
        forwardBufferOutputs()
    }

    /// The reorder buffer's deadline passed (seen on a tick of the loop's clock, within 5 ms,
    /// and settled after the loop's next pass over its sockets): release held audio, declare
    /// what is missing.
    func inboundDeadlinePassed(now: NIODeadline) {
        bufferOutputs.removeAll(keepingCapacity: true)
        jitterBuffer.tick(now: now, into: &bufferOutputs)
        forwardBufferOutputs()
    }

    /// Turns released and missing audio into 20 ms `media` events.
    private func forwardBufferOutputs() {
        // Outputs are slices of the datagram's receive buffer: keeping them until the next
        // packet would stop the socket from reusing that buffer (and, on a shared socket
        // read with recvmmsg, pin a whole 32-datagram slab per call).
        defer { bufferOutputs.removeAll(keepingCapacity: true) }
        stats.late = jitterBuffer.late
        stats.lost = reception.lost
        stats.duplicates = reception.duplicates
        stats.jitterMilliseconds = reception.jitterMilliseconds
        guard let stream, !bufferOutputs.isEmpty, route.stream.tracks.contains(.inbound) else { return }
        var wrote = false
        for output in bufferOutputs {
            let streamBytes: ByteBuffer
            switch output {
            case .audio(let payload) where inbound.isPassthrough:
                // PCMU into a µ-law 8 kHz stream: the payload itself, no copy.
                payload.withUnsafeReadableBytes { inbound.receivedPassthrough($0) }
                streamBytes = payload
            case .audio(let payload):
                scratch.removeAll(keepingCapacity: true)
                payload.withUnsafeReadableBytes { inbound.transcode($0, into: &scratch) }
                streamBytes = scratchBuffer()
            case .missing(let units):
                scratch.removeAll(keepingCapacity: true)
                inbound.conceal(units: units, into: &scratch)
                streamBytes = scratchBuffer()
                stats.unitsConcealed += units
            }
            framer.push(streamBytes) { frame in
                measureLevel(frame)
                var buffer = stream.messageBuffer(capacity: 160 + (frame.readableBytes + 2) / 3 * 4)
                streamSession.writeMedia(frame, into: &buffer)
                stream.writeMedia(text: consume buffer)
                stats.mediaSent += 1
                wrote = true
            }
        }
        if wrote { stream.flush() }
        noteMediaDrops(stream)
    }

    /// `scratch` in a buffer: the last one's storage when nothing holds it any more (its frame
    /// was written out as base64), else a new one — transcoded and concealed frames then cost no
    /// allocation each.
    func scratchBuffer() -> ByteBuffer {
        var buffer = spentScratch.take(minimumCapacity: scratch.count) ?? ByteBuffer()
        buffer.writeBytes(scratch)
        spentScratch.keep(buffer)
        return buffer
    }

    /// Feeds the dashboard's caller meter with a frame in the stream's format.
    private func measureLevel(_ frame: ByteBuffer) {
        let format = route.stream.contentType
        frame.withUnsafeReadableBytes { bytes in
            if format.encoding == .l16 {
                levelIn.measure(l16: bytes, bigEndian: route.stream.l16InboundByteOrder == .big)
            } else {
                levelIn.measure(muLaw: bytes)
            }
        }
    }

    /// Counts `media` events the backlog dropped; warns once per call.
    func noteMediaDrops(_ stream: StreamConnection) {
        guard stream.mediaFramesDropped > stats.wsMediaDropped else { return }
        if stats.wsMediaDropped == 0 {
            logger.warning(
                "AI server is not reading: dropping the oldest media",
                metadata: ["stream.max_backlog_ms": "\(route.stream.maxBacklogMilliseconds)"])
            statusCallback("DegradedStream", [("Reason", "AI server not reading; oldest media dropped")])
        }
        stats.wsMediaDropped = stream.mediaFramesDropped
    }

    /// Sends a `dtmf` event for a key press (spec §3.5 extension), if the route wants them.
    private func sendDTMF(_ digit: DTMFDigit) {
        sendDTMFEvent(digit: digit.digit, durationMilliseconds: digit.durationUnits * 1000 / media.codec.clockRate, via: "rfc4733")
    }

    /// Sends a `dtmf` event for a key press from RFC 4733 events or SIP INFO.
    func sendDTMFEvent(digit: Character, durationMilliseconds: Int, via source: String) {
        stats.dtmfDigits += 1
        logger.info("DTMF", metadata: ["digit": "\(digit)", "via": "\(source)"])
        guard route.stream.dtmfEvents, let stream else { return }
        var buffer = stream.messageBuffer(capacity: 160)
        streamSession.writeDTMF(digit: digit, durationMilliseconds: durationMilliseconds, into: &buffer)
        stream.send(text: consume buffer)
    }
}

extension Call {
    /// The packet decrypted when the call is SRTP (RFC 3711 §3.3, §3.4), or as it came for plain
    /// RTP; `nil` (counted in `srtpFailures`) when its authentication or replay check fails.
    func unprotected(_ datagram: ByteBuffer, rtcp: Bool) -> ByteBuffer? {
        guard let srtp else { return datagram }
        var datagram = datagram
        do {
            if rtcp { try srtp.unprotectRTCP(&datagram) } else { try srtp.unprotectRTP(&datagram) }
        } catch {
            stats.srtpFailures += 1
            return nil
        }
        return datagram
    }
}
