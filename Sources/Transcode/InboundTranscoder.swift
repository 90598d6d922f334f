/// Caller → AI audio for one call: the RTP codec's payload in, the stream's format out
/// (decode, resample to the stream rate with `Resampler`, encode µ-law or L16), and the same
/// for concealed audio. Stateful (G.722 decoder, resampler history, concealment history), so
/// one instance serves one call's audio in order.
///
/// PCMU into a µ-law 8 kHz stream is a pass-through: bytes are copied, never re-encoded.
public struct InboundTranscoder: Sendable {
    /// The RTP codec.
    public let codec: AudioCodec
    /// The stream format.
    public let format: AudioFormat
    /// L16 byte order on the stream (spec §6: big-endian by default).
    public let byteOrder: L16ByteOrder
    private var decoder = G722Decoder()
    private var resampler: Resampler?
    /// Concealment on PCM, for every path that decodes.
    private var concealer: LinearConcealer
    /// Concealment on µ-law codes, for the pass-through path (repeat-and-fade in the code domain).
    private var passthroughConcealer: G711Concealer
    private var pcm: [Int16] = []
    private var resampled: [Int16] = []

    /// Creates the transcoder.
    /// - Throws: `TranscodeError` for a rate pair the resampler does not support.
    public init(codec: AudioCodec, format: AudioFormat, byteOrder: L16ByteOrder = .big) throws(TranscodeError) {
        self.codec = codec
        self.format = format
        self.byteOrder = byteOrder
        isPassthrough = codec == .pcmu && format == .mulaw8k
        if codec.sampleRate != format.sampleRate {
            resampler = try Resampler(from: codec.sampleRate, to: format.sampleRate)
        }
        let rate = codec.sampleRate
        concealer = LinearConcealer(historySamples: rate / 50, fadeSamples: rate * 60 / 1000)
        passthroughConcealer = G711Concealer(codec: .pcmu)
        pcm.reserveCapacity(rate / 25)
        resampled.reserveCapacity(format.sampleRate / 25)
    }

    /// Whether payload bytes pass to the stream unchanged (PCMU → µ-law at 8 kHz). Stored, so
    /// that the call's per-frame check reads a field instead of copying the transcoder.
    public let isPassthrough: Bool

    /// Records a received payload on the pass-through path, whose bytes go to the stream as
    /// they are (without a copy); only concealment needs to see them.
    public mutating func receivedPassthrough(_ payload: UnsafeRawBufferPointer) {
        passthroughConcealer.received(payload)
    }

    /// Appends the stream bytes for a received payload.
    public mutating func transcode(_ payload: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        if isPassthrough {
            passthroughConcealer.received(payload)
            output.append(contentsOf: payload)
            return
        }
        pcm.removeAll(keepingCapacity: true)
        switch codec {
        case .pcmu, .pcma:
            pcm.append(contentsOf: repeatElement(0, count: payload.count))
            pcm.withUnsafeMutableBufferPointer { samples in
                let codes = payload.assumingMemoryBound(to: UInt8.self)
                if codec == .pcmu { MuLaw.decode(codes, into: samples) } else { ALaw.decode(codes, into: samples) }
            }
        case .g722:
            let count = payload.count * G722.samplesPerOctet
            pcm.append(contentsOf: repeatElement(0, count: count))
            pcm.withUnsafeMutableBufferPointer { samples in
                _ = decoder.decode(payload.assumingMemoryBound(to: UInt8.self), into: samples)
            }
        }
        pcm.withUnsafeBufferPointer { concealer.received($0) }
        emitPCM(into: &output)
    }

    /// Appends the stream bytes for `units` RTP timestamp units that never arrived: the last
    /// 20 ms repeated with a fade over 60 ms, then silence (issue 4).
    public mutating func conceal(units: Int, into output: inout [UInt8]) {
        if isPassthrough {
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: units))
            output.withUnsafeMutableBytes { bytes in
                passthroughConcealer.conceal(into: UnsafeMutableRawBufferPointer(rebasing: bytes[start...]))
            }
            return
        }
        let samples = units * codec.sampleRate / codec.clockRate
        pcm.removeAll(keepingCapacity: true)
        pcm.append(contentsOf: repeatElement(0, count: samples))
        pcm.withUnsafeMutableBufferPointer { concealer.conceal(into: $0) }
        emitPCM(into: &output)
    }

    /// Resamples `pcm` to the stream rate if needed and encodes it in the stream format.
    private mutating func emitPCM(into output: inout [UInt8]) {
        var source = pcm
        if resampler != nil {
            // Mutated in place: a copy of the resampler would copy its history every frame.
            resampled.removeAll(keepingCapacity: true)
            pcm.withUnsafeBufferPointer { _ = resampler!.process($0, appendingTo: &resampled) }
            source = resampled
        }
        // Grow `output` once, then write through a pointer (no uniqueness check per byte).
        let start = output.count
        switch format.encoding {
        case .mulaw:
            output.append(contentsOf: repeatElement(0, count: source.count))
            output.withUnsafeMutableBufferPointer { out in
                source.withUnsafeBufferPointer { MuLaw.encode($0, into: UnsafeMutableBufferPointer(rebasing: out[start...])) }
            }
        case .l16:
            output.append(contentsOf: repeatElement(0, count: 2 * source.count))
            let (high, low) = byteOrder == .big ? (0, 1) : (1, 0)
            output.withUnsafeMutableBufferPointer { out in
                source.withUnsafeBufferPointer { samples in
                    for index in samples.indices {
                        let bits = UInt16(bitPattern: samples[index])
                        out[start + 2 * index + high] = UInt8(truncatingIfNeeded: bits >> 8)
                        out[start + 2 * index + low] = UInt8(truncatingIfNeeded: bits)
                    }
                }
            }
        }
    }
}
