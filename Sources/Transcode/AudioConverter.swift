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
        case (_, .l16):
            precondition(output.count >= count * 2, "L16 output buffer too small")
            for index in 0..<count {
                let sample = codec == .pcmu ? MuLaw.decode(input[index]) : ALaw.decode(input[index])
                let bits = UInt16(bitPattern: sample)
                let (first, second) = byteOrder == .big ? (bits >> 8, bits & 0xFF) : (bits & 0xFF, bits >> 8)
                output[2 * index] = UInt8(truncatingIfNeeded: first)
                output[2 * index + 1] = UInt8(truncatingIfNeeded: second)
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
        case (.l16, _):
            let samples = input.count / 2
            precondition(output.count >= samples, "G.711 output buffer too small")
            for index in 0..<samples {
                let (high, low) =
                    byteOrder == .big ? (input[2 * index], input[2 * index + 1]) : (input[2 * index + 1], input[2 * index])
                let sample = Int16(bitPattern: UInt16(high) << 8 | UInt16(low))
                output[index] = codec == .pcmu ? MuLaw.encode(sample) : ALaw.encode(sample)
            }
            return samples
        }
    }
}
