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
    private var concealer: LinearConcealer
    private var pcm: [Int16] = []
    private var resampled: [Int16] = []

    /// Creates the transcoder.
    /// - Throws: `TranscodeError` for a rate pair the resampler does not support.
    public init(codec: AudioCodec, format: AudioFormat, byteOrder: L16ByteOrder = .big) throws(TranscodeError) {
        self.codec = codec
        self.format = format
        self.byteOrder = byteOrder
        if codec.sampleRate != format.sampleRate {
            resampler = try Resampler(from: codec.sampleRate, to: format.sampleRate)
        }
        let rate = codec.sampleRate
        concealer = LinearConcealer(historySamples: rate / 50, fadeSamples: rate * 60 / 1000)
        pcm.reserveCapacity(rate / 25)
        resampled.reserveCapacity(format.sampleRate / 25)
    }

    /// Whether payload bytes pass to the stream unchanged (PCMU → µ-law at 8 kHz).
    public var isPassthrough: Bool { codec == .pcmu && format == .mulaw8k }

    /// Appends the stream bytes for a received payload.
    public mutating func transcode(_ payload: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        pcm.removeAll(keepingCapacity: true)
        switch codec {
        case .pcmu:
            for code in payload { pcm.append(MuLaw.decode(code)) }
        case .pcma:
            for code in payload { pcm.append(ALaw.decode(code)) }
        case .g722:
            let count = payload.count * G722.samplesPerOctet
            pcm.append(contentsOf: repeatElement(0, count: count))
            pcm.withUnsafeMutableBufferPointer { samples in
                _ = decoder.decode(payload.assumingMemoryBound(to: UInt8.self), into: samples)
            }
        }
        pcm.withUnsafeBufferPointer { concealer.received($0) }
        if isPassthrough {
            output.append(contentsOf: payload)
        } else {
            emitPCM(into: &output)
        }
    }

    /// Appends the stream bytes for `units` RTP timestamp units that never arrived.
    public mutating func conceal(units: Int, into output: inout [UInt8]) {
        let samples = units * codec.sampleRate / codec.clockRate
        pcm.removeAll(keepingCapacity: true)
        pcm.append(contentsOf: repeatElement(0, count: samples))
        pcm.withUnsafeMutableBufferPointer { concealer.conceal(into: $0) }
        if isPassthrough {
            for sample in pcm { output.append(sample == 0 ? AudioCodec.pcmu.silenceCode : MuLaw.encode(sample)) }
        } else {
            emitPCM(into: &output)
        }
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
        switch format.encoding {
        case .mulaw:
            for sample in source { output.append(MuLaw.encode(sample)) }
        case .l16:
            for sample in source {
                let bits = UInt16(bitPattern: sample)
                if byteOrder == .big {
                    output.append(UInt8(truncatingIfNeeded: bits >> 8))
                    output.append(UInt8(truncatingIfNeeded: bits))
                } else {
                    output.append(UInt8(truncatingIfNeeded: bits))
                    output.append(UInt8(truncatingIfNeeded: bits >> 8))
                }
            }
        }
    }
}
