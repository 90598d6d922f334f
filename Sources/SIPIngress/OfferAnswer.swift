public import Transcode

/// The outcome of negotiating an audio offer: what the call's RTP session uses.
public struct NegotiatedMedia: Sendable, Hashable {
    /// The chosen codec.
    public var codec: AudioCodec
    /// The payload type the offerer used for it (RFC 3264 §6.1: the answer uses the offer's PTs).
    public var payloadType: UInt8
    /// The telephone-event payload type (RFC 4733 §7), if the offer had one at the codec's rate.
    public var telephoneEventPayloadType: UInt8?
    /// Where the offerer wants to receive RTP.
    public var remoteAddress: String
    /// The offerer's RTP port.
    public var remotePort: Int
    /// The offer's `a=ptime`, if any.
    public var packetTime: Int?
    /// The direction of the answer (RFC 3264 §6.1).
    public var direction: MediaDirection
    /// Index of the negotiated `m=` line in the offer.
    public var mediaIndex: Int
    /// The SRTP keys when the stream is `RTP/SAVP` (RFC 4568), `nil` for plain RTP.
    public var srtp: SDESKeying?
}

/// SRTP keys agreed with SDES (RFC 4568 §5): the offerer's `a=crypto` line and the bridge's key
/// for the answer, under the offer's tag.
public struct SDESKeying: Sendable, Hashable {
    /// The tag of the chosen `a=crypto` line (§6.1), repeated in the answer.
    public var tag: Int
    /// The chosen suite.
    public var profile: SRTPProfile
    /// The caller's master key and salt: what its packets are protected with.
    public var remoteKey: [UInt8]
    /// The bridge's master key and salt: what it protects its packets with.
    public var localKey: [UInt8]

    /// Creates keys.
    public init(tag: Int, profile: SRTPProfile, remoteKey: [UInt8], localKey: [UInt8]) {
        self.tag = tag
        self.profile = profile
        self.remoteKey = remoteKey
        self.localKey = localKey
    }

    /// A fresh master key and salt from the system's cryptographic generator (`getrandom`),
    /// eight bytes per draw.
    public static func randomKey(for profile: SRTPProfile) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var key: [UInt8] = []
        key.reserveCapacity(profile.keyingLength + 7)
        while key.count < profile.keyingLength {
            withUnsafeBytes(of: generator.next() as UInt64) { key += $0 }
        }
        return Array(key.prefix(profile.keyingLength))
    }
}

/// Which offered transport profiles the bridge answers (RFC 3551 `RTP/AVP`, RFC 3711 `RTP/SAVP`).
public enum SRTPPolicy: Sendable, Hashable {
    /// Plain RTP only: `RTP/SAVP` streams are rejected.
    case refuse
    /// Either; an `RTP/SAVP` stream needs an `a=crypto` line the bridge can use.
    case accept
    /// SRTP only: `RTP/AVP` streams are rejected.
    case require
}

/// RFC 3264 offer/answer for one audio stream: pick a codec by the bridge's preference, then
/// write an answer with exactly as many `m=` lines as the offer (§6), rejecting the others
/// with port 0.
public enum OfferAnswer {
    /// Chooses the media for an offer.
    /// - Parameters:
    ///   - offer: the caller's session description.
    ///   - preferences: acceptable codecs, most preferred first (`rtp.codecs`).
    ///   - srtp: which transport profiles are acceptable.
    ///   - localKey: the bridge's SRTP key to answer with when it already has one for this
    ///     suite (a re-offer keeps the bridge's direction keyed as it was); a fresh one otherwise.
    /// - Throws: `SIPIngressError.noCommonCodec` (488) when no acceptable audio stream on IPv4
    ///   offers an acceptable codec (and, for `RTP/SAVP`, a usable `a=crypto` line).
    public static func negotiate(
        offer: SessionDescription, preferences: [AudioCodec], srtp: SRTPPolicy = .refuse, localKey: SDESKeying? = nil
    ) throws(SIPIngressError) -> NegotiatedMedia {
        for (index, media) in offer.media.enumerated() where media.media.lowercased() == "audio" && media.port != 0 {
            let keying: SDESKeying?
            switch (media.proto.uppercased(), srtp) {
            case ("RTP/AVP", .refuse), ("RTP/AVP", .accept):
                keying = nil
            case ("RTP/SAVP", .accept), ("RTP/SAVP", .require):
                // RFC 4568 §7.1.1: the first line (in the offerer's order) the bridge can use.
                guard let (line, usable) = media.crypto.lazy.compactMap({ line in line.usableKey.map { (line, $0) } }).first
                else { continue }
                let local =
                    localKey.flatMap { $0.profile == usable.profile ? $0.localKey : nil }
                    ?? SDESKeying.randomKey(for: usable.profile)
                keying = SDESKeying(tag: line.tag, profile: usable.profile, remoteKey: usable.keyAndSalt, localKey: local)
            default:
                continue
            }
            guard let connection = media.connection ?? offer.connection, connection.addressType == "IP4",
                !Self.isGroupAddress(connection.address)
            else { continue }
            let payloadTypes = media.formats.compactMap { Int($0) }.filter { (0...127).contains($0) }
            for codec in preferences {
                guard let payloadType = payloadTypes.first(where: { pt in
                    guard let map = media.rtpMap(for: pt) else { return false }
                    return AudioCodec(encodingName: map.encodingName) == codec && map.clockRate == codec.clockRate
                        && map.channels == 1
                }) else { continue }
                let telephoneEvent = payloadTypes.first { pt in
                    guard let map = media.rtpMaps[pt] else { return false }
                    return map.encodingName.lowercased() == "telephone-event" && map.clockRate == codec.clockRate
                }
                return NegotiatedMedia(
                    codec: codec, payloadType: UInt8(payloadType),
                    telephoneEventPayloadType: telephoneEvent.map { UInt8($0) },
                    remoteAddress: connection.address, remotePort: media.port, packetTime: media.packetTime,
                    direction: media.direction.answer, mediaIndex: index, srtp: keying)
            }
        }
        throw .noCommonCodec
    }

    /// Whether an IPv4 address is multicast (224.0.0.0/4, RFC 5771; RFC 4566 §5.7 allows it in
    /// `c=` with a TTL) or the limited broadcast address: the bridge never streams to a group,
    /// so such offers get 488.
    static func isGroupAddress(_ address: String) -> Bool {
        let host = address.split(separator: "/").first.map(String.init) ?? address
        let octets = host.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return false }
        return (224...239).contains(octets[0]) || octets == [255, 255, 255, 255]
    }

    /// Writes the SDP answer (RFC 3264 §6, RFC 4566 §5).
    /// - Parameters:
    ///   - offer: the offer being answered.
    ///   - media: the negotiation result.
    ///   - address: the IPv4 address the bridge receives RTP on (the advertised address).
    ///   - port: the bridge's RTP port for this call.
    ///   - sessionID: the `o=` session id (RFC 4566 §5.2), unique per call.
    ///   - version: the `o=` version, incremented on each new offer or answer.
    public static func answer(
        to offer: SessionDescription, media: NegotiatedMedia, address: String, port: Int,
        sessionID: UInt64, version: UInt64 = 1
    ) -> String {
        var lines = [
            "v=0",
            "o=sipbridge \(sessionID) \(version) IN IP4 \(address)",
            "s=sipbridge",
            "c=IN IP4 \(address)",
            "t=0 0",
        ]
        for (index, offered) in offer.media.enumerated() {
            guard index == media.mediaIndex else {
                lines.append("m=\(offered.media) 0 \(offered.proto) \(offered.formats.first ?? "0")")
                continue
            }
            var formats = ["\(media.payloadType)"]
            if let event = media.telephoneEventPayloadType { formats.append("\(event)") }
            lines.append("m=audio \(port) \(media.srtp == nil ? "RTP/AVP" : "RTP/SAVP") \(formats.joined(separator: " "))")
            if let keys = media.srtp {
                lines.append("a=crypto:" + CryptoAttribute(tag: keys.tag, suite: keys.profile.rawValue, keyAndSalt: keys.localKey).value)
            }
            lines.append("a=rtpmap:\(media.payloadType) \(media.codec.encodingName)/\(media.codec.clockRate)")
            if let event = media.telephoneEventPayloadType {
                lines.append("a=rtpmap:\(event) telephone-event/\(media.codec.clockRate)")
                lines.append("a=fmtp:\(event) 0-16")
            }
            lines.append("a=ptime:20")
            lines.append("a=\(media.direction.rawValue)")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
