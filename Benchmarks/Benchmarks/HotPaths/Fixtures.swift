import Foundation
import NIOCore
import Transcode
import WSEgress

/// Holds a benchmark's mutable state between samples, so that every sample continues where the
/// previous one stopped (steady state: consecutive sequence numbers, warm histories, grown
/// buffers).
///
/// `withState` moves the state out into a local for the measured loop and back afterwards:
/// the loop then works on a uniquely referenced local (no copy-on-write, no dynamic exclusivity
/// checks as on a class property), and the move itself happens outside the measured region.
final class StateBox<State>: @unchecked Sendable {
    private var state: State?

    init(_ state: State) {
        self.state = state
    }

    func withState(_ body: (inout State) -> Void) {
        var local = state.take()!
        body(&local)
        state = local
    }
}

/// Deterministic test audio: three partials with a slow syllable-like envelope plus a little
/// noise, so that data-dependent code (the G.722 quantiser search, µ-law segments) sees
/// speech-like values rather than one repeated pattern.
enum TestSignal {
    /// One second of audio at `rate` Hz (50 frames of 20 ms).
    static func pcm(rate: Int, seconds: Double = 1) -> [Int16] {
        let count = Int(Double(rate) * seconds)
        var noise: UInt32 = 0x1234_5678
        return (0..<count).map { index in
            let t = Double(index) / Double(rate)
            let envelope = 0.55 + 0.45 * sin(2 * Double.pi * 3.1 * t)
            var value = 5200 * sin(2 * Double.pi * 220 * t)
            value += 2600 * sin(2 * Double.pi * 1180 * t + 0.4)
            value += 1300 * sin(2 * Double.pi * 2730 * t + 1.3)
            noise = noise &* 1_664_525 &+ 1_013_904_223
            value += Double(Int32(bitPattern: noise) >> 20)  // about ±2048
            return Int16(clamping: Int((envelope * value).rounded()))
        }
    }

    /// One second of µ-law codes (8 kHz).
    static func muLaw() -> [UInt8] { pcm(rate: 8000).map(MuLaw.encode) }

    /// One second of A-law codes (8 kHz).
    static func aLaw() -> [UInt8] { pcm(rate: 8000).map(ALaw.encode) }

    /// One second of G.722 octets (16 kHz audio, 8000 octets), encoded from `pcm(rate: 16000)`.
    static func g722() -> [UInt8] {
        let pcm = pcm(rate: 16000)
        var encoder = G722Encoder()
        var octets = [UInt8](repeating: 0, count: pcm.count / 2)
        pcm.withUnsafeBufferPointer { samples in
            octets.withUnsafeMutableBufferPointer { _ = encoder.encode(samples, into: $0) }
        }
        return octets
    }
}

/// A long-lived copy of an array behind a stable pointer (benchmark inputs and outputs: no
/// array bounds checks or exclusivity checks inside the measured loops).
func permanentBuffer<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
    let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
    _ = buffer.initialize(from: values)
    return buffer
}

/// A zero-filled long-lived buffer.
func permanentBuffer<T: FixedWidthInteger>(count: Int, of _: T.Type) -> UnsafeMutableBufferPointer<T> {
    let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
    buffer.initialize(repeating: 0)
    return buffer
}

/// Frame `index` (cycling through the buffer) of `frameLength` elements.
@inline(__always)
func frame<T>(_ buffer: UnsafeMutableBufferPointer<T>, _ index: Int, _ frameLength: Int) -> UnsafeBufferPointer<T> {
    let frames = buffer.count / frameLength
    let start = (index % frames) * frameLength
    return UnsafeBufferPointer(rebasing: buffer[start..<start + frameLength])
}

enum Fixtures {
    static let callId = "6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b"
    static let streamId = "b3f0c7a2-1d4e-4f5a-9b6c-7d8e9f0a1b2c"
    static let startEpochMilliseconds = 1_764_100_000_000

    /// A stream session as a call creates it (µ-law 8 kHz or L16 at the route's rate).
    static func session(format: AudioFormat = .mulaw8k) -> StreamSession {
        var session = StreamSession(
            start: StreamStart(callId: callId, streamId: streamId, accountId: "20000001", mediaFormat: format),
            startEpochMilliseconds: startEpochMilliseconds)
        var buffer = ByteBuffer()
        session.writeStart(into: &buffer)
        return session
    }

    /// A 12-byte RTP header (V=2, no CSRC, no extension) followed by `payload`.
    static func datagram(payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32, payload: [UInt8])
        -> ByteBuffer
    {
        var buffer = ByteBufferAllocator().buffer(capacity: 12 + payload.count)
        buffer.writeInteger(UInt8(0x80))
        buffer.writeInteger(payloadType & 0x7F)
        buffer.writeInteger(sequenceNumber)
        buffer.writeInteger(timestamp)
        buffer.writeInteger(ssrc)
        buffer.writeBytes(payload)
        return buffer
    }

    /// A `playAudio` text frame as an AI server sends it, carrying `payload` base64-encoded.
    static func playAudioMessage(payload: [UInt8], contentType: String = "audio/x-mulaw", sampleRate: Int = 8000)
        -> ByteBuffer
    {
        let base64 = Data(payload).base64EncodedString()
        let text =
            #"{"event":"playAudio","streamId":"\#(streamId)","media":{"contentType":"\#(contentType)","#
            + #""sampleRate":\#(sampleRate),"payload":"\#(base64)"}}"#
        return ByteBuffer(string: text)
    }
}
