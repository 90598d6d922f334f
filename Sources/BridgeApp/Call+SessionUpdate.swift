import Logging
import NIOCore
import RTPMedia
import SIPIngress
import Transcode

/// The bridge's side of the SDP: what it answered and how to answer again.
struct LocalSDP {
    /// The address in `c=` and `o=`.
    let address: String
    /// The bridge's RTP port.
    let port: Int
    /// The `o=` session id (RFC 4566 §5.2).
    let sessionID: UInt64
    /// The `o=` version: +1 on every new SDP the bridge sends (RFC 3264 §8).
    var version: UInt64
    /// The offer last answered (the template for an offer of the bridge's own, §8.1).
    var offer: SessionDescription
}

/// Session modification (RFC 3261 §14, RFC 3311, RFC 3264 §8): hold, resume, a moved media
/// address, a new codec (Call+CodecChange), and the bridge's own offer for an offerless
/// re-INVITE. An offer with no codec the route allows is refused with 488 and the call goes on
/// as before (RFC 3261 §14.2).
extension Call {
    /// Handles a re-INVITE or UPDATE offer, an offerless re-INVITE, or the ACK's answer.
    func sessionUpdated(_ update: SessionUpdate) {
        guard isActive, var sdp = localSDP else {
            if case .answer = update { return }
            return userAgent.rejectUpdate(sessionID, status: 491)
        }
        switch update {
        case .offer(let offer):
            guard let negotiated = try? renegotiate(offer, preferences: renegotiationPreferences) else {
                logger.info("re-offer without a codec of the route or the call's SRTP suite refused", metadata: ["codec": "\(media.codec)"])
                return userAgent.rejectUpdate(sessionID, status: 488)
            }
            if negotiated.codec != media.codec || negotiated.payloadType != media.payloadType {
                do {
                    try changeCodec(to: negotiated)
                } catch {
                    logger.info("re-offer's codec cannot feed the stream; refused", metadata: ["error": "\(error)"])
                    return userAgent.rejectUpdate(sessionID, status: 488)
                }
            }
            apply(negotiated)
            sdp.version += 1
            sdp.offer = offer
            localSDP = sdp
            userAgent.answerUpdate(
                sessionID,
                sdp: OfferAnswer.answer(
                    to: offer, media: media, address: sdp.address, port: sdp.port, sessionID: sdp.sessionID, version: sdp.version))
        case .offerless:
            // §14.2: the 2xx carries an offer — the current session, sending and receiving
            // (how a caller takes a call off hold without an offer of its own).
            var offered = media
            offered.direction = .sendrecv
            sdp.version += 1
            localSDP = sdp
            userAgent.answerUpdate(
                sessionID,
                sdp: OfferAnswer.answer(
                    to: sdp.offer, media: offered, address: sdp.address, port: sdp.port, sessionID: sdp.sessionID,
                    version: sdp.version))
        case .answer(let answer):
            // `negotiate` mirrors the caller's direction into the bridge's (RFC 3264 §6.1).
            guard let negotiated = try? renegotiate(answer, preferences: [media.codec]) else {
                logger.info("the ACK's SDP answer names no usable stream; keeping the session as it was")
                return
            }
            apply(negotiated)
        }
    }

    /// A key press sent in SIP INFO.
    func receivedInfoDTMF(digit: Character, durationMilliseconds: Int) {
        guard isActive else { return }
        sendDTMFEvent(digit: digit, durationMilliseconds: durationMilliseconds, via: "info")
    }

    /// Whether the bridge sends RTP: the direction it answered allows it and the caller gave a
    /// real address (RFC 3264 §5.1, §8.4: `0.0.0.0` is the RFC 2543 way to hold).
    var sendsMedia: Bool {
        (media.direction == .sendrecv || media.direction == .sendonly) && !remoteRTPUnspecified
    }

    /// Whether either side has stopped sending (hold in any of its forms).
    var isHeld: Bool { media.direction != .sendrecv || remoteRTPUnspecified }

    /// Sends one RTP packet to the caller unless the call is on hold.
    func transmit(_ packet: ByteBuffer, on rtp: RTPTransport) {
        guard sendsMedia else { return }
        var packet = packet
        if let srtp {
            guard (try? srtp.protectRTP(&packet)) != nil else { return }
        }
        rtp.send(packet, to: remoteRTPAddress)
        stats.packetsOut += 1
    }

    /// Negotiates a new offer (or the ACK's answer) against the call as it is: a codec of
    /// `preferences` (the ACK's answer can only keep the call's: the bridge offered only that),
    /// and the same transport profile — an SRTP call stays SRTP with the same suite, keeping
    /// the bridge's key; a plain call stays plain (RFC 4568 §7.1.4).
    private func renegotiate(
        _ description: SessionDescription, preferences: [AudioCodec]
    ) throws(SIPIngressError) -> NegotiatedMedia {
        let negotiated = try OfferAnswer.negotiate(
            offer: description, preferences: preferences, srtp: media.srtp == nil ? .refuse : .require,
            localKey: media.srtp)
        guard negotiated.srtp?.profile == media.srtp?.profile else { throw .noCommonCodec }
        return negotiated
    }

    private func apply(_ negotiated: NegotiatedMedia) {
        let wasHeld = isHeld
        if let keys = negotiated.srtp, let srtp, keys.remoteKey != media.srtp?.remoteKey {
            // The caller re-keyed its direction (RFC 4568 §7.1.4); the bridge's runs on.
            do {
                try srtp.rekeyInbound(remoteKey: keys.remoteKey)
                logger.info("SRTP re-keyed by the caller")
            } catch {
                logger.warning("SRTP re-key failed; the caller's packets will fail authentication", metadata: ["error": "\(error)"])
            }
        }
        media.srtp = negotiated.srtp
        let moved = negotiated.remoteAddress != media.remoteAddress || negotiated.remotePort != media.remotePort
        media.direction = negotiated.direction
        media.telephoneEventPayloadType = negotiated.telephoneEventPayloadType
        media.remoteAddress = negotiated.remoteAddress
        media.remotePort = negotiated.remotePort
        if moved, let address = try? SocketAddress(ipAddress: negotiated.remoteAddress, port: negotiated.remotePort) {
            // The media moved (a transfer, a new media server): send there, latch afresh.
            remoteRTPAddress = address
            latchedSource = nil
            rtp?.remoteMoved(to: address)
        }
        let held = isHeld
        if held != wasHeld || moved {
            logger.info(
                held ? "call on hold" : "call resumed",
                metadata: ["direction": "\(media.direction.rawValue)", "rtp.remote": "\(remoteRTPAddress)"])
        }
        // A caller that stops sending (recvonly/inactive) is exempt from the media timeout; one
        // that resumes gets a full timeout from now.
        mediaTimeoutTask?.cancel()
        mediaTimeoutTask = nil
        lastRTPArrival = .now()
        scheduleMediaTimeout()
    }
}
