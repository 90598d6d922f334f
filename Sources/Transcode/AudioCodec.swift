/// An RTP audio codec that the bridge can carry on the SIP leg.
///
/// Static payload types and clock rates follow RFC 3551 §6 (Table 4). The codec identity lives
/// in `Transcode`, the leaf module, so that SIP (SDP offer/answer), RTP (packetisation) and the
/// stream side (transcoding) agree on it without importing each other.
public enum AudioCodec: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// ITU-T G.711 µ-law, RFC 3551 §4.5.14 (`PCMU`, static payload type 0).
    case pcmu = "PCMU"
    /// ITU-T G.711 A-law, RFC 3551 §4.5.14 (`PCMA`, static payload type 8).
    case pcma = "PCMA"
    /// ITU-T G.722 wideband (16 kHz audio), RFC 3551 §4.5.2 (`G722`, static payload type 9).
    /// Its RTP clock is 8000 although it samples at 16 kHz (an error in the original RFC 1890
    /// kept for compatibility), so one RTP timestamp unit is one payload octet, as for G.711.
    case g722 = "G722"

    /// The encoding name as written in an SDP `a=rtpmap` line (RFC 4566 §6).
    public var encodingName: String { rawValue }

    /// The static RTP payload type assigned by RFC 3551 Table 4.
    public var staticPayloadType: UInt8 {
        switch self {
        case .pcmu: 0
        case .pcma: 8
        case .g722: 9
        }
    }

    /// RTP clock rate in Hz (RFC 3551 Table 4): 8000 for all three (G.722 included, §4.5.2).
    public var clockRate: Int { 8000 }

    /// Audio sample rate in Hz: 8000 for G.711, 16000 for G.722.
    public var sampleRate: Int {
        switch self {
        case .pcmu, .pcma: 8000
        case .g722: 16000
        }
    }

    /// The code that represents digital silence (a zero sample) in this codec.
    ///
    /// G.711 µ-law encodes 0 as `0xFF`; A-law encodes it as `0xD5` (ITU-T G.711 Tables 1a/2a,
    /// with the even bits inverted for A-law). G.722 is adaptive and has no such code; the bridge
    /// queues its audio as 16-bit PCM, where silence is `0x00`.
    public var silenceCode: UInt8 {
        switch self {
        case .pcmu: 0xFF
        case .pcma: 0xD5
        case .g722: 0x00
        }
    }

    /// Whether the codec is G.711 (one byte per sample, a fixed code per level).
    public var isG711: Bool { self != .g722 }

    /// Bytes of RTP payload per 20 ms frame: 160 for all three (one octet per timestamp unit).
    public var bytesPer20ms: Int { clockRate / 50 }

    /// Looks a codec up by its SDP encoding name, case-insensitively (RFC 4566 §6: names are
    /// case-insensitive).
    /// - Parameter encodingName: the name from `a=rtpmap`, e.g. `pcmu`.
    public init?(encodingName: some StringProtocol) {
        let upper = encodingName.uppercased()
        guard let codec = AudioCodec(rawValue: upper) else { return nil }
        self = codec
    }

    /// Looks a codec up by its static RTP payload type (RFC 3551 Table 4).
    /// - Parameter staticPayloadType: 0 for PCMU, 8 for PCMA.
    public init?(staticPayloadType: UInt8) {
        switch staticPayloadType {
        case 0: self = .pcmu
        case 8: self = .pcma
        case 9: self = .g722
        default: return nil
        }
    }

    public var description: String { rawValue }
}
