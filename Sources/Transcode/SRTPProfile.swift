/// An SRTP protection profile keyed by SDES (RFC 3711 §5, RFC 6188), named as `a=crypto` names
/// it (RFC 4568 §6.2, RFC 6188 §7.1). Shared by the SDP answer (SIPIngress) and the packet
/// transform (RTPMedia), as codec identity is. GCM (RFC 7714) is absent: Debian's libsrtp2 is
/// built without OpenSSL.
public enum SRTPProfile: String, Sendable, CaseIterable {
    /// AES-128 counter mode, HMAC-SHA1 with an 80-bit tag: the default of RFC 3711 §5.
    case aesCM128HMACSHA1_80 = "AES_CM_128_HMAC_SHA1_80"
    /// AES-128 counter mode, HMAC-SHA1 with a 32-bit SRTP tag (SRTCP keeps 80 bits, RFC 4568 §6.2.2).
    case aesCM128HMACSHA1_32 = "AES_CM_128_HMAC_SHA1_32"
    /// AES-256 counter mode, HMAC-SHA1 80 (RFC 6188 §7.1).
    case aes256CMHMACSHA1_80 = "AES_256_CM_HMAC_SHA1_80"
    /// AES-256 counter mode, HMAC-SHA1 32 for SRTP, 80 for SRTCP (RFC 6188 §7.1).
    case aes256CMHMACSHA1_32 = "AES_256_CM_HMAC_SHA1_32"

    /// Master key plus master salt, in bytes: what `inline:` carries (RFC 4568 §6.1).
    public var keyingLength: Int {
        switch self {
        case .aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32: 16 + 14
        case .aes256CMHMACSHA1_80, .aes256CMHMACSHA1_32: 32 + 14
        }
    }
}
