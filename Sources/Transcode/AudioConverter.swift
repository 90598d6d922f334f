/// Byte order of linear 16-bit PCM on the stream (spec §6: inbound `media` defaults to
/// big-endian network order per RFC 2586, `playAudio` to little-endian; both configurable).
public enum L16ByteOrder: String, Sendable, Hashable, CaseIterable {
    case big
    case little
}

/// Converts 8 kHz audio between the SIP leg's G.711 codec and a stream encoding, sample for
/// sample, buffer to buffer, with no allocation (the media hot path).
///
/// Sample-rate conversion is not this type's job; both sides are 8 kHz here.
public enum AudioConverter {
    /// Bytes the stream side needs for `codecBytes` bytes of G.711 (one byte per sample).
    public static func streamBytes(forCodecBytes codecBytes: Int, encoding: AudioFormat.Encoding) -> Int {
        encoding == .mulaw ? codecBytes : codecBytes * 2
    }

    /// Converts caller audio (G.711 as received) into the stream's encoding.
    /// - Parameters:
    ///   - input: G.711 bytes in `codec`.
    ///   - codec: the RTP codec.
    ///   - encoding: the stream encoding.
    ///   - byteOrder: for L16 output.
    ///   - output: at least `streamBytes(forCodecBytes: input.count, encoding:)` bytes.
    /// - Returns: bytes written.
    public static func codecToStream(
        _ input: UnsafeRawBufferPointer, codec: AudioCodec, encoding: AudioFormat.Encoding,
        byteOrder: L16ByteOrder, output: UnsafeMutableRawBufferPointer
    ) -> Int {
        let count = input.count
        switch (codec, encoding) {
        case (.pcmu, .mulaw):
            output.copyMemory(from: input)
            return count
        case (.pcma, .mulaw):
            for index in 0..<count { output[index] = G711.aLawToMuLaw(input[index]) }
            return count
        case (.g722, _):
            preconditionFailure("G.722 is transcoded by InboundTranscoder, not sample for sample")
        case (_, .l16):
            precondition(output.count >= count * 2, "L16 output buffer too small")
            // The codec and byte order are decided once, outside the per-sample loop.
            let decode: (UInt8) -> Int16 = codec == .pcmu ? { MuLaw.decode($0) } : { ALaw.decode($0) }
            let (high, low) = byteOrder == .big ? (0, 1) : (1, 0)
            for index in 0..<count {
                let bits = UInt16(bitPattern: decode(input[index]))
                output[2 * index + high] = UInt8(truncatingIfNeeded: bits >> 8)
                output[2 * index + low] = UInt8(truncatingIfNeeded: bits)
            }
            return count * 2
        }
    }

    /// Converts AI audio in a stream encoding into the call's G.711 codec.
    /// - Parameters:
    ///   - input: the decoded `playAudio` payload; an odd trailing L16 byte is ignored.
    ///   - encoding: its encoding.
    ///   - byteOrder: for L16 input.
    ///   - codec: the RTP codec.
    ///   - output: at least as many bytes as samples in `input`.
    /// - Returns: bytes written (one per sample).
    public static func streamToCodec(
        _ input: UnsafeRawBufferPointer, encoding: AudioFormat.Encoding, byteOrder: L16ByteOrder, codec: AudioCodec,
        output: UnsafeMutableRawBufferPointer
    ) -> Int {
        switch (encoding, codec) {
        case (.mulaw, .pcmu):
            output.copyMemory(from: input)
            return input.count
        case (.mulaw, .pcma):
            for index in 0..<input.count { output[index] = G711.muLawToALaw(input[index]) }
            return input.count
        case (_, .g722):
            preconditionFailure("G.722 is transcoded by OutboundTranscoder, not sample for sample")
        case (.l16, _):
            let samples = input.count / 2
            precondition(output.count >= samples, "G.711 output buffer too small")
            let encode: (Int16) -> UInt8 = codec == .pcmu ? { MuLaw.encode($0) } : { ALaw.encode($0) }
            let (high, low) = byteOrder == .big ? (0, 1) : (1, 0)
            for index in 0..<samples {
                let bits = UInt16(input[2 * index + high]) << 8 | UInt16(input[2 * index + low])
                output[index] = encode(Int16(bitPattern: bits))
            }
            return samples
        }
    }
}
