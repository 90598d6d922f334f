/// In-band DTMF (ITU-T Q.23 frequency pairs) for calls whose caller did not offer
/// telephone-events (RFC 4733): the key presses are played as audio instead.
public enum DTMFTone {
    /// The (low, high) frequency pair of a key (Q.23 §2), if it is one.
    public static func frequencies(of digit: Character) -> (low: Double, high: Double)? {
        let rows: [Double] = [697, 770, 852, 941]
        let columns: [Double] = [1209, 1336, 1477, 1633]
        let keypad: [Character] = ["1", "2", "3", "A", "4", "5", "6", "B", "7", "8", "9", "C", "*", "0", "#", "D"]
        guard let index = keypad.firstIndex(of: digit) else { return nil }
        return (rows[index / 4], columns[index % 4])
    }

    /// Appends `toneMilliseconds` of the key's tone followed by `gapMilliseconds` of silence.
    /// Each frequency is at `amplitude` (default ≈ -10 dBm0 each, well inside the Q.24
    /// acceptance range); keys that are not DTMF keys append nothing.
    public static func append(
        _ digit: Character, sampleRate: Int, toneMilliseconds: Int = 100, gapMilliseconds: Int = 60,
        amplitude: Double = 7_000, to samples: inout [Int16]
    ) {
        guard let (low, high) = frequencies(of: digit) else { return }
        let toneSamples = sampleRate * toneMilliseconds / 1000
        // sin(2πfn/rate) = sinPi(2fn/rate); the phase is reduced per sample, so it never drifts.
        let lowCycles = 2 * low / Double(sampleRate)
        let highCycles = 2 * high / Double(sampleRate)
        for index in 0..<toneSamples {
            let value = amplitude * (ResamplerFilter.sinPi(lowCycles * Double(index)) + ResamplerFilter.sinPi(highCycles * Double(index)))
            // Round half away from zero by hand: `rounded()` is a libm call, and Transcode links none.
            samples.append(Int16(value + (value < 0 ? -0.5 : 0.5)))
        }
        samples.append(contentsOf: repeatElement(0, count: sampleRate * gapMilliseconds / 1000))
    }
}
