public import NIOCore
public import Transcode

/// The contents of a `playAudio` event (spec §4.1).
///
/// Fields are kept as sent; `audioFormat(negotiated:)` applies the spec's acceptance rules to
/// them. The payload is already base64-decoded.
public struct PlayAudio: Sendable, Equatable {
    /// `streamId`: optional on `playAudio` (spec §4.1; Pipecat sends it, the docs' examples omit it).
    public var streamId: String?
    /// `media.contentType`, e.g. `audio/x-mulaw`; may carry a `;rate=N` suffix (spec §4.1 rule 2).
    public var contentType: String?
    /// `media.sampleRate`, sent as a JSON integer or a string of digits (spec §4.1 rule 2).
    public var sampleRate: Int?
    /// `media.payload`, base64-decoded: raw audio, no container (spec §4.1, §6).
    public var payload: ByteBuffer

    /// Creates the contents of a `playAudio` event.
    /// - Parameters:
    ///   - streamId: the stream id the client echoed, if any.
    ///   - contentType: the MIME type as sent, if any.
    ///   - sampleRate: the sample rate as sent, if any.
    ///   - payload: the decoded audio bytes.
    public init(streamId: String? = nil, contentType: String? = nil, sampleRate: Int? = nil, payload: ByteBuffer) {
        self.streamId = streamId
        self.contentType = contentType
        self.sampleRate = sampleRate
        self.payload = payload
    }

    /// The audio format the payload is in, by spec §4.1 rule 2.
    ///
    /// The encoding comes from `contentType` (the negotiated one when absent). The rate is
    /// `sampleRate` when sent, else the content type's `;rate=` parameter, else the negotiated
    /// rate. The dedicated `sampleRate` field wins over a conflicting `;rate=` because it is the
    /// field the spec defines for the rate.
    /// - Parameter negotiated: the stream's format, announced in `start.mediaFormat` (spec §3.1).
    /// - Returns: the format, or `nil` when the encoding or rate is not one the protocol defines
    ///   (spec §1 `contentType`): the caller logs and drops the audio.
    public func audioFormat(negotiated: AudioFormat) -> AudioFormat? {
        guard let contentType else {
            let rate = sampleRate ?? negotiated.sampleRate
            guard AudioFormat.supports(rate, for: negotiated.encoding) else { return nil }
            return AudioFormat(encoding: negotiated.encoding, sampleRate: rate)
        }
        guard var format = AudioFormat(contentType: contentType, defaultRate: sampleRate ?? negotiated.sampleRate)
        else { return nil }
        if let sampleRate, sampleRate != format.sampleRate {
            guard AudioFormat.supports(sampleRate, for: format.encoding) else { return nil }
            format.sampleRate = sampleRate
        }
        return format
    }
}
