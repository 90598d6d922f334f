import SIPIngress
import Yams

extension BridgeConfig {
    /// `rtp.srtp.*`: SRTP on the caller's leg, keyed with SDES (RFC 4568) in the SDP.
    struct SRTP: Sendable, Equatable {
        /// `rtp.srtp.mode`.
        enum Mode: String, Sendable {
            /// Plain RTP only: `RTP/SAVP` offers get 488.
            case off
            /// Answer `RTP/SAVP` with SRTP and `RTP/AVP` with RTP (the default).
            case accept
            /// SRTP only: `RTP/AVP` offers get 488.
            case require
        }

        var mode = Mode.accept
        /// `rtp.srtp.require_tls`: accept SDES keys only from an INVITE that came over TLS
        /// (RFC 4568 §8.3: the keys travel in clear in the SDP otherwise).
        var requireTLS = true

        /// The offer/answer policy for an INVITE that came on a secure transport or not; `nil`
        /// when nothing can be accepted (SRTP required, but keys may not come over this hop).
        func policy(secureSignalling: Bool) -> SRTPPolicy? {
            let keys = allowsKeys(secureSignalling: secureSignalling)
            switch mode {
            case .off: return .refuse
            case .accept: return keys ? .accept : .refuse
            case .require: return keys ? .require : nil
            }
        }

        /// Whether SDES keys may be used on this transport.
        func allowsKeys(secureSignalling: Bool) -> Bool { mode != .off && (secureSignalling || !requireTLS) }

        /// Parses `rtp.srtp`.
        mutating func parse(_ node: Node?, _ reader: ConfigReader) {
            guard let srtp = reader.mapping(node, "rtp.srtp", allowed: ["mode", "require_tls"]) else { return }
            if let text = reader.string(srtp["mode"], "rtp.srtp.mode") {
                if let mode = Mode(rawValue: text) {
                    self.mode = mode
                } else {
                    reader.report("rtp.srtp.mode", "expected off, accept or require, got \"\(text)\"")
                }
            }
            if let value = reader.bool(srtp["require_tls"], "rtp.srtp.require_tls") { requireTLS = value }
        }

        /// The effective-config lines.
        var yaml: String { "  srtp: { mode: \(mode.rawValue), require_tls: \(requireTLS) }" }
    }
}
