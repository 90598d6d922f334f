/// An ITU-T G.722 encoder: 16 kHz 16-bit linear PCM to 64 kbit/s sub-band ADPCM octets.
///
/// Each pair of input samples becomes one octet (see ``G722`` for the octet layout, the
/// 16-bit scaling and the RTP timestamp rule). The encoder always produces the full 64 kbit/s
/// code; modes 2 and 3 only differ at the receiver, which ignores the low bits (G.722 §1.1).
///
/// The encoder is a value carrying the filter and ADPCM state of one stream: keep one per
/// direction of a call and feed it consecutive buffers. It allocates nothing, so it may run on
/// the media path. Bit-exact with spandsp (see `Tests/TranscodeTests/Fixtures/README.md`).
///
/// ```swift
/// var encoder = G722Encoder()
/// let octets = encoder.encode(frame, into: payload)  // 320 samples (20 ms) → 160 octets
/// ```
public struct G722Encoder: Sendable {
    private var filter = G722AnalysisFilter()
    private var lowerBand = G722Band.lower
    private var upperBand = G722Band.upper
    /// The first sample of a pair whose second sample has not arrived yet (after a call with
    /// an odd number of samples).
    private var pendingSample: Int16?

    /// Creates an encoder in the G.722 reset state.
    public init() {}

    /// The number of octets the next ``encode(_:into:)`` call produces for `sampleCount`
    /// samples: one per complete pair, counting a sample held back from the previous call.
    /// - Parameter sampleCount: the number of samples that will be passed.
    public func octetCount(forSampleCount sampleCount: Int) -> Int {
        (sampleCount + (pendingSample == nil ? 0 : 1)) / 2
    }

    /// Encodes 16 kHz linear samples to G.722 octets, with no allocation.
    ///
    /// Samples are consumed in pairs. An odd sample left at the end is kept and paired with the
    /// first sample of the next call, so any split of a stream into buffers gives the same
    /// octets as encoding it whole.
    /// - Parameters:
    ///   - samples: 16-bit linear samples at 16 kHz.
    ///   - output: receives the octets; `output.count` must be at least
    ///     ``octetCount(forSampleCount:)`` (checked by a precondition; `(samples.count + 1) / 2`
    ///     always suffices). Elements beyond the returned count are left untouched.
    /// - Returns: the number of octets written.
    @discardableResult
    public mutating func encode(
        _ samples: UnsafeBufferPointer<Int16>,
        into output: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        let octets = octetCount(forSampleCount: samples.count)
        precondition(output.count >= octets, "G.722 output buffer too small: \(output.count) < \(octets)")
        var index = 0
        var written = 0
        if let first = pendingSample, !samples.isEmpty {
            output[0] = encodePair(first, samples[0])
            pendingSample = nil
            index = 1
            written = 1
        }
        while index + 1 < samples.count {
            output[written] = encodePair(samples[index], samples[index + 1])
            index += 2
            written += 1
        }
        if index < samples.count {
            pendingSample = samples[index]
        }
        return written
    }

    /// Encodes one pair of input samples: the transmit QMF, then both sub-band
    /// ADPCM coders.
    @inline(__always)
    private mutating func encodePair(_ first: Int16, _ second: Int16) -> UInt8 {
        let (lower, upper) = filter.split(first, second)
        let lowerCode = encodeLower(lower)
        let upperCode = encodeUpper(upper)
        return upperCode &<< 6 | lowerCode
    }

    /// Lower sub-band ADPCM encoder (blocks 1L to 4): SUBTRA, then QUANTL, the 6-bit quantiser
    /// of the difference against 29 scaled decision levels; the adaptation sees only the four
    /// most significant bits of the result.
    /// - Returns: the 6-bit codeword `IL`.
    @inline(__always)
    private mutating func encodeLower(_ sample: Int32) -> UInt8 {
        let difference = (sample &- lowerBand.estimate).saturatedToInt16
        // The magnitude in one's complement, as QUANTL specifies: −1 counts as 0.
        let magnitude = difference >= 0 ? difference : ~difference
        var interval = 1
        while interval < 30,
            magnitude >= (G722Tables.lowerDecisionLevels[interval] &* lowerBand.scale) &>> 12
        {
            interval += 1
        }
        let code =
            difference < 0
            ? G722Tables.lowerNegativeCodes[interval] : G722Tables.lowerPositiveCodes[interval]
        lowerBand.updateLower(code: Int(code &>> 2))
        return code
    }

    /// Upper sub-band ADPCM encoder (blocks 1H to 4): SUBTRA, then QUANTH, a 2-bit quantiser
    /// with one scaled decision level.
    /// - Returns: the 2-bit codeword `IH`: 3/2 for a small/large positive difference, 1/0 for
    ///   a small/large negative one.
    @inline(__always)
    private mutating func encodeUpper(_ sample: Int32) -> UInt8 {
        let difference = (sample &- upperBand.estimate).saturatedToInt16
        let magnitude = difference >= 0 ? difference : ~difference
        let isLarge = magnitude >= (G722Tables.upperDecisionLevel &* upperBand.scale) &>> 12
        let code: UInt8 = difference < 0 ? (isLarge ? 0 : 1) : (isLarge ? 2 : 3)
        upperBand.updateUpper(code: Int(code))
        return code
    }
}
