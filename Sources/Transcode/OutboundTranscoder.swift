/// AI → caller audio for one call: any `playAudio` format in (µ-law 8 kHz, L16 at 8/16/24 kHz,
/// spec §4.1 rule 3: transcode and resample rather than garble), the playout queue's form out,
/// and the queue's 20 ms frames into RTP payloads.
///
/// The queue holds G.711 codes for PCMU/PCMA (so µ-law into a PCMU call is a pass-through) and
/// 16-bit little-endian PCM at 16 kHz for G.722, encoded only when a frame is sent: the G.722
/// encoder's adaptive state then follows exactly the audio the caller hears, even after a
/// `clearAudio` drops queued audio.
public struct OutboundTranscoder: Sendable {
    /// The RTP codec.
    public let codec: AudioCodec
    /// L16 byte order of `playAudio` payloads (spec §6: little-endian by default).
    public let byteOrder: L16ByteOrder
    private var resamplers: [Int: Resampler] = [:]
    private var encoder = G722Encoder()
    private var pcm: [Int16] = []
    private var resampled: [Int16] = []

    /// Creates the transcoder.
    public init(codec: AudioCodec, byteOrder: L16ByteOrder = .little) {
        self.codec = codec
        self.byteOrder = byteOrder
    }

    /// Bytes of one 20 ms frame in the queue.
    public var queueFrameBytes: Int { codec.isG711 ? codec.bytesPer20ms : G722.samplesPer20ms * 2 }

    /// The byte that fills a silent frame in the queue.
    public var queueSilenceByte: UInt8 { codec.silenceCode }

    /// Whether `format` goes into the queue unchanged (µ-law 8 kHz into a PCMU call).
    public func isPassthrough(_ format: AudioFormat) -> Bool { codec == .pcmu && format == .mulaw8k }

    /// Appends the queue form of a `playAudio` payload.
    /// - Throws: `TranscodeError` for a sample rate the resampler does not support.
    public mutating func enqueueForm(
        of payload: UnsafeRawBufferPointer, format: AudioFormat, into output: inout [UInt8]
    ) throws(TranscodeError) {
        if isPassthrough(format) {
            output.append(contentsOf: payload)
            return
        }
        if codec == .pcma && format == .mulaw8k {
            // Same codes as decode + A-law encode (the table is built that way), one lookup each.
            let start = output.count
            output.append(contentsOf: payload)
            output.withUnsafeMutableBytes { G711.muLawToALaw(UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
            return
        }
        pcm.removeAll(keepingCapacity: true)
        switch format.encoding {
        case .mulaw:
            for code in payload { pcm.append(MuLaw.decode(code)) }
        case .l16:
            let (high, low) = byteOrder == .big ? (0, 1) : (1, 0)
            for index in 0..<(payload.count / 2) {
                pcm.append(Int16(bitPattern: UInt16(payload[2 * index + high]) << 8 | UInt16(payload[2 * index + low])))
            }
        }
        var source = pcm
        if format.sampleRate != codec.sampleRate {
            if resamplers[format.sampleRate] == nil {
                resamplers[format.sampleRate] = try Resampler(from: format.sampleRate, to: codec.sampleRate)
            }
            resampled.removeAll(keepingCapacity: true)
            pcm.withUnsafeBufferPointer { _ = resamplers[format.sampleRate]!.process($0, appendingTo: &resampled) }
            source = resampled
        }
        switch codec {
        case .pcmu, .pcma:
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: source.count))
            output.withUnsafeMutableBufferPointer { out in
                let target = UnsafeMutableBufferPointer(rebasing: out[start...])
                source.withUnsafeBufferPointer { codec == .pcmu ? MuLaw.encode($0, into: target) : ALaw.encode($0, into: target) }
            }
        case .g722:
            for sample in source {
                let bits = UInt16(bitPattern: sample)
                output.append(UInt8(truncatingIfNeeded: bits))
                output.append(UInt8(truncatingIfNeeded: bits >> 8))
            }
        }
    }

    /// Turns one queue frame into an RTP payload: G.711 codes are copied; G.722 PCM is encoded.
    /// - Returns: payload bytes written (160).
    public mutating func payload(
        fromQueueFrame frame: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) -> Int {
        guard codec == .g722 else {
            output.copyMemory(from: frame)
            return frame.count
        }
        let samples = frame.count / 2
        pcm.removeAll(keepingCapacity: true)
        for index in 0..<samples {
            pcm.append(Int16(bitPattern: UInt16(frame[2 * index]) | UInt16(frame[2 * index + 1]) << 8))
        }
        return pcm.withUnsafeBufferPointer { input in
            encoder.encode(input, into: output.bindMemory(to: UInt8.self))
        }
    }

    /// Appends the queue form of audio that was queued for `codec` (the call's codec before a
    /// re-offer changed it): G.711 codes go through µ-law 8 kHz, G.722's 16 kHz PCM through
    /// little-endian L16, each then converted like a `playAudio` payload.
    /// - Throws: `TranscodeError` when the resampler cannot convert between the rates.
    public mutating func enqueueForm(
        ofQueueAudio audio: UnsafeRawBufferPointer, queuedFor codec: AudioCodec, into output: inout [UInt8]
    ) throws(TranscodeError) {
        switch codec {
        case .pcmu:
            try enqueueForm(of: audio, format: .mulaw8k, into: &output)
        case .pcma:
            var muLaw = [UInt8](audio)
            muLaw.withUnsafeMutableBytes { G711.aLawToMuLaw($0) }
            let result = muLaw.withUnsafeBytes { bytes in
                Result { () throws(TranscodeError) in try enqueueForm(of: bytes, format: .mulaw8k, into: &output) }
            }
            try result.get()
        case .g722:
            var littleEndian = OutboundTranscoder(codec: self.codec, byteOrder: .little)
            try littleEndian.enqueueForm(of: audio, format: AudioFormat(encoding: .l16, sampleRate: 16_000), into: &output)
        }
    }
}
