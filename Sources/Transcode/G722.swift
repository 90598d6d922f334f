/// ITU-T G.722: 7 kHz wideband audio coded at 64 kbit/s by sub-band ADPCM (SB-ADPCM).
///
/// A 24-tap quadrature mirror filter splits 16 kHz audio into two 8 kHz sub-bands (0–4 kHz and
/// 4–8 kHz). The lower band is coded with 6-bit ADPCM, the upper band with 2-bit ADPCM, and the
/// two codewords share one octet per pair of input samples:
///
/// ```
///  bit   7   6   5   4   3   2   1   0
///       [ IH (upper) ][   IL (lower, 6 bits)   ]
/// ```
///
/// In modes 2 and 3 (56 and 48 kbit/s) the one or two least significant bits carry data
/// instead; see ``G722Decoder/Mode``. ``G722Encoder`` and ``G722Decoder`` hold the state.
///
/// **16-bit scaling.** G.722 specifies a 14-bit uniform PCM interface; the ADPCM coders work on
/// 15-bit sub-band signals. Here the linear side is full-scale 16-bit, as in spandsp, ffmpeg
/// and WebRTC: the transmit QMF shifts its sum right by 14 instead of 13, and the receive QMF
/// by 11 instead of 12, so the overall gain is one and all 16 input bits are used.
///
/// **RTP.** RFC 3551 §4.5.2 assigns G.722 the static payload type 9 with an RTP clock rate of
/// 8000 Hz although the audio is sampled at 16 kHz: the rate was listed erroneously in RFC 1890
/// and kept for compatibility. RTP timestamps therefore advance by one per *octet* (half the
/// number of samples), i.e. 160 per 20 ms packet, and SDP says `a=rtpmap:9 G722/8000`.
public enum G722 {
    /// The audio sample rate of the linear side, in Hz.
    public static let sampleRate = 16000

    /// The RTP clock rate, in Hz (RFC 3551 §4.5.2 and Table 4): half the sample rate, for
    /// historical reasons. One RTP timestamp unit is one octet.
    public static let rtpClockRate = 8000

    /// The static RTP payload type (RFC 3551 Table 4).
    public static let staticPayloadType: UInt8 = 9

    /// Linear samples per octet: each octet codes one pair of 16 kHz samples.
    public static let samplesPerOctet = 2

    /// Linear samples in a 20 ms frame (320).
    public static let samplesPer20ms = sampleRate / 50

    /// Octets in a 20 ms frame (160): also the RTP timestamp increment per 20 ms packet.
    public static let octetsPer20ms = samplesPer20ms / samplesPerOctet
}
