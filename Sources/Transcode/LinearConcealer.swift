/// Packet-loss concealment on 16-bit PCM (issue 4): a lost stretch repeats the last
/// `history` samples received, fading linearly to silence over `fadeSamples`, then silence —
/// the "repeat and fade" of ITU-T G.711 Appendix I in its simplest form. Codec-independent:
/// G.711 wraps it in `G711Concealer`; G.722 audio is concealed after decoding.
public struct LinearConcealer: Sendable {
    /// Samples over which the repetition fades out (60 ms).
    public let fadeSamples: Int
    private var history: [Int16]
    private var historyCount = 0
    private var concealedRun = 0

    /// Creates a concealer.
    /// - Parameters:
    ///   - historySamples: how much recent audio is repeated (20 ms).
    ///   - fadeSamples: fade length (60 ms).
    public init(historySamples: Int, fadeSamples: Int) {
        self.fadeSamples = fadeSamples
        self.history = [Int16](repeating: 0, count: historySamples)
    }

    /// Remembers received audio; a following loss repeats its last `historySamples`.
    public mutating func received(_ samples: UnsafeBufferPointer<Int16>) {
        concealedRun = 0
        let keep = min(samples.count, history.count)
        if keep < history.count {
            // Keep the newest older samples in front of the new ones.
            let kept = min(historyCount, history.count - keep)
            for index in 0..<kept { history[index] = history[historyCount - kept + index] }
            historyCount = kept
        } else {
            historyCount = 0
        }
        for index in (samples.count - keep)..<samples.count {
            history[historyCount] = samples[index]
            historyCount += 1
        }
    }

    /// Fills `output` with concealment for audio that did not arrive.
    public mutating func conceal(into output: UnsafeMutableBufferPointer<Int16>) {
        for index in 0..<output.count {
            let position = concealedRun + index
            guard historyCount > 0, position < fadeSamples else {
                output[index] = 0
                continue
            }
            let sample = Int32(history[position % historyCount])
            output[index] = Int16(sample * Int32(fadeSamples - position) / Int32(fadeSamples))
        }
        concealedRun += output.count
    }
}
