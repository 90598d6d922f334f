/// A parsed SDP session description (RFC 4566), reduced to what offer/answer (RFC 3264) needs.
public struct SessionDescription: Sendable, Hashable {
    /// The session-level `c=` address, if any (RFC 4566 §5.7).
    public var connection: ConnectionAddress?
    /// `m=` sections in order (RFC 4566 §5.14).
    public var media: [MediaDescription]

    /// Creates a description.
    public init(connection: ConnectionAddress?, media: [MediaDescription]) {
        self.connection = connection
        self.media = media
    }
}

/// A `c=` line's address (RFC 4566 §5.7).
public struct ConnectionAddress: Sendable, Hashable {
    /// `IP4` or `IP6`.
    public var addressType: String
    /// The unicast address (multicast TTL suffixes are not kept).
    public var address: String

    /// Creates an address.
    public init(addressType: String, address: String) {
        self.addressType = addressType
        self.address = address
    }
}

/// The media direction attributes of RFC 3264 §5.1 / RFC 4566 §6.
public enum MediaDirection: String, Sendable, Hashable {
    case sendrecv, sendonly, recvonly, inactive

    /// The attribute's name (`a=sendrecv`, RFC 4566 §6).
    var name: StaticString {
        switch self {
        case .sendrecv: "sendrecv"
        case .sendonly: "sendonly"
        case .recvonly: "recvonly"
        case .inactive: "inactive"
        }
    }

    /// The direction an answer takes for this offered direction (RFC 3264 §6.1).
    public var answer: MediaDirection {
        switch self {
        case .sendrecv: .sendrecv
        case .sendonly: .recvonly
        case .recvonly: .sendonly
        case .inactive: .inactive
        }
    }
}

/// An `a=rtpmap` value (RFC 4566 §6): `<encoding name>/<clock rate>[/<channels>]`.
public struct RTPMap: Sendable, Hashable {
    /// The encoding name (compare case-insensitively).
    public var encodingName: String
    /// The RTP clock rate in Hz.
    public var clockRate: Int
    /// The channel count (1 when absent).
    public var channels: Int

    /// Creates an rtpmap.
    public init(encodingName: String, clockRate: Int, channels: Int = 1) {
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    /// Parses the value after `a=rtpmap:<pt> `, e.g. `PCMU/8000` or `opus/48000/2`.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let map = text.withUTF8({ RTPMap($0[...]) }) else { return nil }
        self = map
    }

    /// Parses `<encoding name>/<clock rate>[/<encoding parameters>]` (RFC 4566 §6) in place.
    init?(_ bytes: HeaderFieldScan.Bytes) {
        let (name, afterName) = HeaderFieldScan.split(bytes, at: UInt8(ascii: "/"))
        guard !name.isEmpty, let afterName else { return nil }
        let (rate, afterRate) = HeaderFieldScan.split(afterName, at: UInt8(ascii: "/"))
        guard let clockRate = HeaderFieldScan.decimal(rate) else { return nil }
        guard let channels = afterRate.map(HeaderFieldScan.decimal) ?? 1 else { return nil }
        let encodingName = OSIPCodec.string(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: name)), among: .encodingNames)
        self.init(encodingName: encodingName, clockRate: clockRate, channels: channels)
    }
}

/// One `m=` section (RFC 4566 §5.14) with its attributes.
///
/// `port` comes first so that the memberwise initializer (which the parser calls) differs from
/// the public one: an initializer that sets the properties one by one made the optimizer copy
/// the finished value and destroy the original (about 350 instructions per offer).
public struct MediaDescription: Sendable, Hashable {
    /// The transport port (0 = rejected stream, RFC 3264 §6).
    public var port: Int
    /// The media type, e.g. `audio`.
    public var media: String
    /// The transport protocol, e.g. `RTP/AVP` (RFC 3551) or `RTP/SAVP`.
    public var proto: String
    /// The format list: RTP payload types for RTP profiles, in the offerer's preference order.
    public var formats: [String]
    /// The media-level `c=` address, which overrides the session level one.
    public var connection: ConnectionAddress?
    /// `a=rtpmap` values by payload type.
    public var rtpMaps: PayloadTypeMap<RTPMap>
    /// `a=fmtp` values by payload type (RFC 4566 §6).
    public var formatParameters: PayloadTypeMap<String>
    /// `a=ptime` in milliseconds, if given.
    public var packetTime: Int?
    /// The direction attribute (RFC 3264 §5.1; `sendrecv` when absent).
    public var direction: MediaDirection
    /// The well-formed `a=crypto` lines in order (RFC 4568 §9.1; SRTP keys for `RTP/SAVP`).
    public var crypto: [CryptoAttribute]

    /// The rtpmap for a payload type: the explicit `a=rtpmap`, or the static assignment of
    /// RFC 3551 Table 4 for the G.711 types the bridge knows.
    public func rtpMap(for payloadType: Int) -> RTPMap? {
        if let map = rtpMaps[payloadType] { return map }
        switch payloadType {
        case 0: return RTPMap(encodingName: "PCMU", clockRate: 8000)
        case 8: return RTPMap(encodingName: "PCMA", clockRate: 8000)
        case 9: return RTPMap(encodingName: "G722", clockRate: 8000)  // RFC 3551 §4.5.2: 8000, not 16000
        default: return nil
        }
    }
}

extension SessionDescription {
    /// Parses an SDP body (RFC 4566) with libosip2, as an INVITE's body is parsed.
    /// - Throws: `SIPIngressError` when the body is not a usable session description.
    public init(parsing body: [UInt8]) throws(SIPIngressError) {
        self = try OSIPCodec.parseSessionDescription(body)
    }
}

extension MediaDescription {
    /// Creates a media description.
    public init(
        media: String, port: Int, proto: String, formats: [String], connection: ConnectionAddress? = nil,
        rtpMaps: PayloadTypeMap<RTPMap> = [:], formatParameters: PayloadTypeMap<String> = [:], packetTime: Int? = nil,
        direction: MediaDirection = .sendrecv, crypto: [CryptoAttribute] = []
    ) {
        self.init(
            port: port, media: media, proto: proto, formats: formats, connection: connection, rtpMaps: rtpMaps,
            formatParameters: formatParameters, packetTime: packetTime, direction: direction, crypto: crypto)
    }
}
