/// A peak programme meter for the dashboard's per-call level bars: the highest sample
/// magnitude of the latest 20 ms frames, falling about 1.4 dB per frame (≈ 70 dB/s) after the
/// audio stops, like a broadcast PPM's return. G.711 peaks are found on the codes themselves:
/// with the sign bit masked, µ-law's inverted code and A-law's code XOR 0x55 grow with the
/// magnitude (ITU-T G.711 Tables 1a/2a), so one frame costs a byte scan and one decode.
public struct PeakMeter: Sendable {
    /// Linear peak, 0…32768.
    public private(set) var peak: Float = 0

    public init() {}

    /// Level relative to full scale, dBFS; -96 for digital silence.
    public var decibelsFullScale: Float {
        guard peak >= 1 else { return -96 }
        // 20·log10(x) = 20·log2(x)·log10(2), with log2 from the float's exponent and mantissa.
        return 20 * 0.30103 * (Self.log2(peak) - 15)
    }

    /// A frame of µ-law codes (RFC 3551 PCMU).
    public mutating func measure(muLaw codes: UnsafeRawBufferPointer) {
        var highest: UInt8 = 0
        for code in codes { highest = max(highest, ~code & 0x7F) }
        update(codes.isEmpty ? 0 : Int(MuLaw.decode(~highest & 0x7F)).magnitude)
    }

    /// A frame of A-law codes (RFC 3551 PCMA).
    public mutating func measure(aLaw codes: UnsafeRawBufferPointer) {
        var highest: UInt8 = 0
        for code in codes { highest = max(highest, (code ^ 0x55) & 0x7F) }
        update(codes.isEmpty ? 0 : Int(ALaw.decode(highest ^ 0x55)).magnitude)
    }

    /// A frame of 16-bit linear PCM (L16).
    public mutating func measure(l16 bytes: UnsafeRawBufferPointer, bigEndian: Bool) {
        var highest: UInt = 0
        var index = 0
        while index + 1 < bytes.count {
            let bits = bigEndian ? UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]) : UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index])
            highest = max(highest, Int(Int16(bitPattern: bits)).magnitude)
            index += 2
        }
        update(highest)
    }

    /// A frame of silence (nothing played): the meter falls.
    public mutating func measureSilence() { update(0) }

    private mutating func update(_ framePeak: UInt) {
        peak = max(Float(framePeak), peak * 0.85)
    }

    /// log2 for positive finite values, to ±0.01 (exponent plus a cubic on the mantissa).
    private static func log2(_ value: Float) -> Float {
        let exponent = Float(value.exponent)
        let mantissa = value.significand - 1  // 0 ≤ m < 1
        return exponent + mantissa * (1.4425 + mantissa * (-0.7169 + mantissa * 0.2744))
    }
}
