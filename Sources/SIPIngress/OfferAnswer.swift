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
}

/// RFC 3264 offer/answer for one audio stream: pick a codec by the bridge's preference, then
/// write an answer with exactly as many `m=` lines as the offer (§6), rejecting the others
/// with port 0.
public enum OfferAnswer {
    /// Chooses the media for an offer.
    /// - Parameters:
    ///   - offer: the caller's session description.
    ///   - preferences: acceptable codecs, most preferred first (`rtp.codecs`).
    /// - Throws: `SIPIngressError.noCommonCodec` (488) when no RTP/AVP audio stream on IPv4 offers
    ///   an acceptable codec.
    public static func negotiate(
        offer: SessionDescription, preferences: [AudioCodec]
    ) throws(SIPIngressError) -> NegotiatedMedia {
        for (index, media) in offer.media.enumerated()
        where media.media.lowercased() == "audio" && media.port != 0 && media.proto.uppercased() == "RTP/AVP" {
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
                    direction: media.direction.answer, mediaIndex: index)
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
            lines.append("m=audio \(port) RTP/AVP \(formats.joined(separator: " "))")
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
