import CSRTP2
public import NIOCore
public import Transcode

extension SRTPProfile {
    fileprivate func apply(to policy: inout srtp_policy_t) {
        switch self {
        case .aesCM128HMACSHA1_80:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aesCM128HMACSHA1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aes256CMHMACSHA1_80:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtcp)
        case .aes256CMHMACSHA1_32:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtcp)
        }
    }
}

/// Why a packet could not be protected or unprotected, or a context not created.
public enum SRTPError: Error, Sendable, Equatable {
    /// The keying material has the wrong length for the profile.
    case badKeyLength(expected: Int, got: Int)
    /// The packet's authentication tag is wrong (RFC 3711 §3.3 step 5): forged, corrupted, or
    /// another key.
    case authenticationFailed
    /// The packet index was seen before or is too old (RFC 3711 §3.3.2 replay protection).
    case replayed
    /// Any other libsrtp2 status (e.g. a packet too short to be SRTP).
    case failed(status: UInt32)
}

/// One call's SRTP and SRTCP state (RFC 3711): an outbound session keyed with the bridge's
/// master key and an inbound one keyed with the caller's, each for any SSRC of its direction.
/// Keeping the two apart lets an in-dialog offer re-key the caller's direction (RFC 4568 §7.1.4)
/// while the bridge's packet index (rollover counter) runs on.
///
/// Not thread-safe (libsrtp2 contexts are not): the call's event loop owns it.
public final class SRTPContext {
    /// The negotiated profile.
    public let profile: SRTPProfile
    private var outbound: OpaquePointer
    private var inbound: OpaquePointer

    /// Room libsrtp2 may write after a packet: the largest tag plus MKI (`SRTP_MAX_TRAILER_LEN`)
    /// plus the SRTCP index.
    static let trailerCapacity = 16 + 128 + 4

    /// Creates the two sessions.
    /// - Parameters:
    ///   - profile: the crypto suite both directions use.
    ///   - localKey: the bridge's master key and salt (the key its answer advertised).
    ///   - remoteKey: the caller's master key and salt (from its `a=crypto`).
    public init(profile: SRTPProfile, localKey: [UInt8], remoteKey: [UInt8]) throws(SRTPError) {
        _ = SRTPLibrary.initialized
        self.profile = profile
        outbound = try Self.session(profile: profile, key: localKey, direction: ssrc_any_outbound)
        do {
            inbound = try Self.session(profile: profile, key: remoteKey, direction: ssrc_any_inbound)
        } catch {
            srtp_dealloc(outbound)
            throw error
        }
    }

    deinit {
        srtp_dealloc(outbound)
        srtp_dealloc(inbound)
    }

    /// Replaces the caller's key (a new `a=crypto` in a re-offer, RFC 4568 §7.1.4); the
    /// bridge's own direction is untouched.
    public func rekeyInbound(remoteKey: [UInt8]) throws(SRTPError) {
        let replacement = try Self.session(profile: profile, key: remoteKey, direction: ssrc_any_inbound)
        srtp_dealloc(inbound)
        inbound = replacement
    }

    /// Encrypts and authenticates an RTP packet in place (RFC 3711 §3.3).
    public func protectRTP(_ packet: inout ByteBuffer) throws(SRTPError) {
        try transform(&packet, outbound, srtp_protect)
    }

    /// Authenticates and decrypts an SRTP packet in place (RFC 3711 §3.3).
    public func unprotectRTP(_ packet: inout ByteBuffer) throws(SRTPError) {
        try transform(&packet, inbound, srtp_unprotect)
    }

    /// Encrypts and authenticates an RTCP compound packet in place (RFC 3711 §3.4).
    public func protectRTCP(_ packet: inout ByteBuffer) throws(SRTPError) {
        try transform(&packet, outbound, srtp_protect_rtcp)
    }

    /// Authenticates and decrypts an SRTCP compound packet in place (RFC 3711 §3.4).
    public func unprotectRTCP(_ packet: inout ByteBuffer) throws(SRTPError) {
        try transform(&packet, inbound, srtp_unprotect_rtcp)
    }

    private typealias Transform = (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> srtp_err_status_t

    private func transform(_ packet: inout ByteBuffer, _ session: OpaquePointer, _ function: Transform) throws(SRTPError) {
        packet.reserveCapacity(minimumWritableBytes: Self.trailerCapacity)
        let start = packet.readerIndex
        var length = Int32(packet.readableBytes)
        let status = packet.withVeryUnsafeMutableBytes { storage in
            function(session, storage.baseAddress.map { $0 + start }, &length)
        }
        guard status == srtp_err_status_ok else {
            switch status {
            case srtp_err_status_auth_fail: throw .authenticationFailed
            case srtp_err_status_replay_fail, srtp_err_status_replay_old: throw .replayed
            default: throw .failed(status: status.rawValue)
            }
        }
        packet.moveWriterIndex(to: start + Int(length))
    }

    private static func session(
        profile: SRTPProfile, key: [UInt8], direction: srtp_ssrc_type_t
    ) throws(SRTPError) -> OpaquePointer {
        guard key.count == profile.keyingLength else {
            throw .badKeyLength(expected: profile.keyingLength, got: key.count)
        }
        var policy = srtp_policy_t()
        profile.apply(to: &policy)
        policy.ssrc = srtp_ssrc_t(type: direction, value: 0)
        policy.window_size = 1024  // RFC 3711 §3.3.2 asks for at least 64; late packets get 20 s at 50/s
        policy.allow_repeat_tx = 0
        var session: OpaquePointer?
        var material = key
        let status = material.withUnsafeMutableBufferPointer { bytes in
            policy.key = bytes.baseAddress
            return srtp_create(&session, &policy)
        }
        guard status == srtp_err_status_ok, let session else { throw .failed(status: status.rawValue) }
        return session
    }
}

/// `srtp_init` once per process.
private enum SRTPLibrary {
    static let initialized: UInt32 = srtp_init().rawValue
}
