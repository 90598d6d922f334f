import NIOCore
import Testing
import Transcode

@testable import WSEgress

private let l16At8k = AudioFormat(encoding: .l16, sampleRate: 8000)

@Suite("PlayAudio.audioFormat (spec §4.1 rule 2)")
struct PlayAudioTests {
    @Test(
        "content type and sample rate resolve against the negotiated format",
        arguments: [
            (nil, nil, AudioFormat.mulaw8k, AudioFormat.mulaw8k),
            ("audio/x-mulaw", 8000, .mulaw8k, .mulaw8k),
            ("audio/x-l16", 16000, .mulaw8k, AudioFormat(encoding: .l16, sampleRate: 16000)),
            ("audio/x-l16", nil, .mulaw8k, l16At8k),
            ("audio/x-l16;rate=16000", nil, .mulaw8k, AudioFormat(encoding: .l16, sampleRate: 16000)),
            ("audio/x-l16;rate=16000", 24000, .mulaw8k, AudioFormat(encoding: .l16, sampleRate: 24000)),
            ("AUDIO/X-MULAW; rate=8000", nil, l16At8k, .mulaw8k),
            (nil, 16000, l16At8k, AudioFormat(encoding: .l16, sampleRate: 16000)),
            ("audio/x-mulaw", 16000, .mulaw8k, nil),
            ("audio/x-mulaw;rate=16000", nil, .mulaw8k, nil),
            ("audio/ogg", 8000, .mulaw8k, nil),
            (nil, 44100, l16At8k, nil),
            (nil, 16000, .mulaw8k, nil),
        ] as [(String?, Int?, AudioFormat, AudioFormat?)]
    )
    func resolve(contentType: String?, sampleRate: Int?, negotiated: AudioFormat, expected: AudioFormat?) {
        let event = PlayAudio(contentType: contentType, sampleRate: sampleRate, payload: ByteBuffer())
        #expect(event.audioFormat(negotiated: negotiated) == expected)
    }

    @Test("parsed Pipecat playAudio resolves to µ-law 8 kHz")
    func parsedPipecat() throws {
        let frame = ByteBuffer(string: #"{"event": "playAudio", "media": {"contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": "/w=="}, "streamId": "s"}"#)
        guard case .playAudio(let event) = try InboundEventParser.parse(frame) else {
            Issue.record("expected playAudio")
            return
        }
        #expect(event.audioFormat(negotiated: l16At8k) == .mulaw8k)
        #expect(Array(event.payload.readableBytesView) == [0xFF])
    }
}
