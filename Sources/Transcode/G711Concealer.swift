/// Packet-loss concealment for G.711 (issue 4): a lost stretch is filled by repeating the last
/// 20 ms received, fading linearly to silence over 60 ms, then silence — the "repeat and fade"
/// of ITU-T G.711 Appendix I reduced to its simplest form. Works on codec bytes so the caller
/// keeps one code path; decoding and re-encoding happen here, per concealed sample only.
public struct G711Concealer: Sendable {
    /// The codec of the bytes in and out.
    public let codec: AudioCodec
    /// Samples over which the repetition fades to silence (60 ms at 8 kHz).
    public let fadeSamples: Int
    private var history: [Int16]
    private var historyCount = 0
    private var concealedRun = 0

    /// Creates a concealer.
    /// - Parameters:
    ///   - codec: PCMU or PCMA.
    ///   - historySamples: how much recent audio is repeated (20 ms = 160 samples).
    ///   - fadeSamples: fade length (60 ms = 480 samples).
    public init(codec: AudioCodec, historySamples: Int = 160, fadeSamples: Int = 480) {
        self.codec = codec
        self.fadeSamples = fadeSamples
        self.history = [Int16](repeating: 0, count: historySamples)
    }

    /// Remembers received audio; a following loss repeats its last `historySamples`.
    public mutating func received(_ codes: UnsafeRawBufferPointer) {
        concealedRun = 0
        let keep = min(codes.count, history.count)
        // Shift older history left when less than a full history arrives.
        if keep < history.count {
            let kept = min(historyCount, history.count - keep)
            for index in 0..<kept { history[index] = history[historyCount - kept + index] }
            historyCount = kept
        } else {
            historyCount = 0
        }
        for index in (codes.count - keep)..<codes.count {
            history[historyCount] = decode(codes[index])
            historyCount += 1
        }
    }

    /// Writes `output.count` concealment bytes for audio that did not arrive.
    public mutating func conceal(into output: UnsafeMutableRawBufferPointer) {
        for index in 0..<output.count {
            let position = concealedRun + index
            guard historyCount > 0, position < fadeSamples else {
                output[index] = codec.silenceCode
                continue
            }
            let sample = Int32(history[position % historyCount])
            let scaled = sample * Int32(fadeSamples - position) / Int32(fadeSamples)
            output[index] = encode(Int16(scaled))
        }
        concealedRun += output.count
    }

    private func decode(_ code: UInt8) -> Int16 {
        codec == .pcmu ? MuLaw.decode(code) : ALaw.decode(code)
    }

    private func encode(_ sample: Int16) -> UInt8 {
        codec == .pcmu ? MuLaw.encode(sample) : ALaw.encode(sample)
    }
}
