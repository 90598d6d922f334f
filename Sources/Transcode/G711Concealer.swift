/// Packet-loss concealment for G.711 on codec bytes: `LinearConcealer` with decoding on the
/// way in and encoding on the way out, so a pass-through call (PCMU in, µ-law out) keeps one
/// byte path. Silence after the fade is the codec's silence code.
public struct G711Concealer: Sendable {
    /// The codec of the bytes in and out.
    public let codec: AudioCodec
    /// Samples over which the repetition fades to silence (60 ms at 8 kHz).
    public var fadeSamples: Int { linear.fadeSamples }
    private var linear: LinearConcealer
    private var scratch: [Int16]

    /// Creates a concealer.
    /// - Parameters:
    ///   - codec: PCMU or PCMA.
    ///   - historySamples: how much recent audio is repeated (20 ms = 160 samples).
    ///   - fadeSamples: fade length (60 ms = 480 samples).
    public init(codec: AudioCodec, historySamples: Int = 160, fadeSamples: Int = 480) {
        precondition(codec.isG711, "G711Concealer conceals G.711 only")
        self.codec = codec
        self.linear = LinearConcealer(historySamples: historySamples, fadeSamples: fadeSamples)
        self.scratch = [Int16](repeating: 0, count: historySamples)
    }

    /// Remembers received audio; a following loss repeats its last samples.
    public mutating func received(_ codes: UnsafeRawBufferPointer) {
        // Take the scratch buffer out of `self` (no copy) so `linear` can be mutated meanwhile.
        var buffer = scratch
        scratch = []
        defer { scratch = buffer }
        var offset = 0
        while offset < codes.count {
            let count = min(buffer.count, codes.count - offset)
            buffer.withUnsafeMutableBufferPointer { samples in
                // The buffer decoders read the table through one pointer; the per-code
                // `decode(_:)` pays a lazy-global check and a retain/release per sample.
                let source = UnsafeBufferPointer(rebasing: codes.assumingMemoryBound(to: UInt8.self)[offset..<offset + count])
                let target = UnsafeMutableBufferPointer(rebasing: samples[0..<count])
                if codec == .pcmu { MuLaw.decode(source, into: target) } else { ALaw.decode(source, into: target) }
                linear.received(UnsafeBufferPointer(target))
            }
            offset += count
        }
    }

    /// Writes `output.count` concealment bytes for audio that did not arrive.
    public mutating func conceal(into output: UnsafeMutableRawBufferPointer) {
        var buffer = scratch
        scratch = []
        defer { scratch = buffer }
        var offset = 0
        while offset < output.count {
            let count = min(buffer.count, output.count - offset)
            buffer.withUnsafeMutableBufferPointer { samples in
                linear.conceal(into: UnsafeMutableBufferPointer(rebasing: samples[0..<count]))
                for index in 0..<count {
                    // Exact digital silence after the fade: the codec's own silence code.
                    output[offset + index] = samples[index] == 0 ? codec.silenceCode : encode(samples[index])
                }
            }
            offset += count
        }
    }

    private func decode(_ code: UInt8) -> Int16 {
        codec == .pcmu ? MuLaw.decode(code) : ALaw.decode(code)
    }

    private func encode(_ sample: Int16) -> UInt8 {
        codec == .pcmu ? MuLaw.encode(sample) : ALaw.encode(sample)
    }
}
