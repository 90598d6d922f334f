import Foundation
import NIOCore
import Testing
import TestSupport
import Transcode

@testable import WSEgress

private let streamId = "b3e0f6d2-8c41-4f7a-a1d9-5e2c7b90f314"
private let callId = "6f1c2a9e-3b7d-4c55-9a0e-2d8b7e41c0aa"

@Suite("StreamEventWriter (spec §3)")
struct StreamEventWriterTests {
    @Test("start: the spec §3.1 example, byte for byte, with every JSON type")
    func startExample() throws {
        var out = ByteBuffer()
        let start = StreamStart(callId: callId, streamId: streamId, accountId: "4821", mediaFormat: .mulaw8k)
        let written = StreamEventWriter.writeStart(start, into: &out)
        #expect(written == out.readableBytes)
        #expect(
            out.text
                == #"{"event":"start","sequenceNumber":1,"start":{"callId":"\#(callId)","streamId":"\#(streamId)","accountId":"4821","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000}},"extra_headers":"{}"}"#
        )

        let object = try #require(try foundationObject(out))
        #expect(object["event"] as? String == "start")
        #expect(isJSONInteger(object["sequenceNumber"], equalTo: 1))
        #expect(object["extra_headers"] as? String == "{}")
        let nested = try #require(object["start"] as? [String: Any])
        #expect(nested["callId"] as? String == callId)
        #expect(nested["streamId"] as? String == streamId)
        #expect(nested["accountId"] as? String == "4821", "accountId must be a JSON string")
        #expect(nested["tracks"] as? [String] == ["inbound"])
        let format = try #require(nested["mediaFormat"] as? [String: Any])
        #expect(format["encoding"] as? String == "audio/x-mulaw", "no ;rate= suffix")
        #expect(isJSONInteger(format["sampleRate"], equalTo: 8000))
        #expect(object["streamId"] == nil, "IDs live under start, not top level")
    }

    @Test("start: L16, both tracks, configured extra headers, text that needs escaping")
    func startVariant() throws {
        var out = buffer("prefix")
        out.moveReaderIndex(forwardBy: 6)
        let start = StreamStart(
            sequenceNumber: 5, callId: "c\"1", streamId: "s\\1", accountId: "00042",
            tracks: [.inbound, .outbound], mediaFormat: AudioFormat(encoding: .l16, sampleRate: 16000),
            extraHeaders: #"{"test1":"12"}"#
        )
        StreamEventWriter.writeStart(start, into: &out)
        let object = try #require(try foundationObject(out))
        #expect(isJSONInteger(object["sequenceNumber"], equalTo: 5))
        #expect(object["extra_headers"] as? String == #"{"test1":"12"}"#)
        #expect(out.text.contains(#""extra_headers":"{\"test1\":\"12\"}""#))
        let nested = try #require(object["start"] as? [String: Any])
        #expect(nested["callId"] as? String == "c\"1")
        #expect(nested["streamId"] as? String == "s\\1")
        #expect(nested["accountId"] as? String == "00042")
        #expect(nested["tracks"] as? [String] == ["inbound", "outbound"])
        let format = try #require(nested["mediaFormat"] as? [String: Any])
        #expect(format["encoding"] as? String == "audio/x-l16")
        #expect(isJSONInteger(format["sampleRate"], equalTo: 16000))
    }

    @Test("media: 160 bytes of µ-law silence, byte for byte (spec §3.2, §6)")
    func mediaSilence() throws {
        var out = ByteBuffer()
        let silence = [UInt8](repeating: 0xFF, count: 160)
        let written = silence.withUnsafeBytes {
            StreamEventWriter.writeMedia(
                sequenceNumber: 2, streamId: streamId, timestamp: 1_764_100_000_000, chunk: 1, payload: $0, into: &out
            )
        }
        #expect(written == out.readableBytes)
        // 160 = 53 × 3 + 1: 53 full groups, then one padded group (216 characters, spec §6).
        let payload = String(repeating: "/", count: 212) + "/w=="
        #expect(
            out.text
                == #"{"event":"media","sequenceNumber":2,"streamId":"\#(streamId)","media":{"track":"inbound","timestamp":"1764100000000","chunk":1,"payload":"\#(payload)"}}"#
        )
        let object = try #require(try foundationObject(out))
        #expect(object["event"] as? String == "media")
        #expect(isJSONInteger(object["sequenceNumber"], equalTo: 2))
        #expect(object["streamId"] as? String == streamId)
        let media = try #require(object["media"] as? [String: Any])
        #expect(media["track"] as? String == "inbound")
        #expect(media["timestamp"] as? String == "1764100000000", "timestamp must be a JSON string")
        #expect(isJSONInteger(media["chunk"], equalTo: 1))
        #expect(media["payload"] as? String == payload)
    }

    @Test("media: payload round-trips for many sizes, from a ByteBuffer with a moved reader index")
    func mediaPayloads() throws {
        var rng = SplitMix64(seed: 0x5EED_0003)
        for (i, size) in [0, 1, 2, 3, 159, 160, 320, 640, 960, 1101].enumerated() {
            let audio = rng.bytes(size)
            var source = buffer([1, 2, 3] + audio)
            source.moveReaderIndex(forwardBy: 3)
            var out = buffer("{}")  // existing content must be kept
            StreamEventWriter.writeMedia(
                sequenceNumber: 100 + i, streamId: streamId, track: .outbound, timestamp: 20 * i, chunk: i + 1,
                payload: source, into: &out
            )
            #expect(source.readerIndex == 3)
            #expect(out.readString(length: 2) == "{}")
            let object = try #require(try foundationObject(out))
            #expect(isJSONInteger(object["sequenceNumber"], equalTo: 100 + i))
            let media = try #require(object["media"] as? [String: Any])
            #expect(media["track"] as? String == "outbound")
            #expect(media["timestamp"] as? String == String(20 * i))
            #expect(isJSONInteger(media["chunk"], equalTo: i + 1))
            let base64 = try #require(media["payload"] as? String)
            #expect(Data(base64Encoded: base64).map(Array.init) == audio, "size \(size)")
        }
    }

    @Test("media: extreme counter values are written as exact decimal digits")
    func mediaExtremes() throws {
        var out = ByteBuffer()
        StreamEventWriter.writeMedia(
            sequenceNumber: Int.max, streamId: "s", timestamp: 0, chunk: 0, payload: ByteBuffer(), into: &out
        )
        #expect(out.text.contains(#""sequenceNumber":9223372036854775807,"#))
        #expect(out.text.contains(#""timestamp":"0","chunk":0,"payload":""}}"#))
    }

    @Test("integer writer matches String(describing:) for every magnitude", arguments: [
        0, 1, -1, 9, 10, 11, 99, 100, 12_345, -987_654, 1_764_100_000_000, Int.max, Int.min,
    ])
    func integers(value: Int) {
        var out = ByteBuffer()
        out.writeJSONInteger(value)
        #expect(out.text == String(value))
    }

    @Test("playedStream: superset shape (spec §3.3)")
    func playedStreamSuperset() throws {
        var out = ByteBuffer()
        StreamEventWriter.writePlayedStream(sequenceNumber: 311, streamId: streamId, name: "turn-3", into: &out)
        #expect(out.text == #"{"event":"playedStream","sequenceNumber":311,"streamId":"\#(streamId)","name":"turn-3"}"#)
        let object = try #require(try foundationObject(out))
        #expect(object["event"] as? String == "playedStream")
        #expect(isJSONInteger(object["sequenceNumber"], equalTo: 311))
        #expect(object["streamId"] as? String == streamId)
        #expect(object["name"] as? String == "turn-3")
    }

    @Test("playedStream: strict Vobiz shape is event + name only (spec §3.3, §9)")
    func playedStreamStrict() throws {
        var out = ByteBuffer()
        StreamEventWriter.writePlayedStream(sequenceNumber: nil, streamId: nil, name: "greeting", into: &out)
        #expect(out.text == #"{"event":"playedStream","name":"greeting"}"#)
    }

    @Test("playedStream: a tricky checkpoint name is escaped per RFC 8259 §7 and echoed exactly")
    func playedStreamEscaping() throws {
        let name = "a\"b\\c\u{1}é😀"
        var out = ByteBuffer()
        StreamEventWriter.writePlayedStream(sequenceNumber: 1, streamId: streamId, name: name, into: &out)
        #expect(out.text.hasSuffix(#""name":"a\"b\\c\u0001é😀"}"#))
        let object = try #require(try foundationObject(out))
        #expect(object["name"] as? String == name)
    }

    @Test("every control character is escaped and round-trips")
    func controlCharacters() throws {
        let name = String(decoding: (0..<0x20).map { UInt8($0) } + Array("/\u{7F}\"\\x".utf8), as: UTF8.self)
        var out = ByteBuffer()
        StreamEventWriter.writePlayedStream(sequenceNumber: nil, streamId: nil, name: name, into: &out)
        #expect(out.readableBytesView.allSatisfy { $0 >= 0x20 }, "no raw control bytes in JSON text")
        #expect(out.text.contains(#"\b\t\n\u000b\f\r\u000e"#))
        let object = try #require(try foundationObject(out))
        #expect(object["name"] as? String == name)
    }

    @Test("clearedAudio: the spec §3.4 shape with the stream counter")
    func clearedAudio() throws {
        var out = ByteBuffer()
        let written = StreamEventWriter.writeClearedAudio(sequenceNumber: 412, streamId: streamId, into: &out)
        #expect(written == out.readableBytes)
        #expect(out.text == #"{"sequenceNumber":412,"event":"clearedAudio","streamId":"\#(streamId)"}"#)
        let object = try #require(try foundationObject(out))
        #expect(object["event"] as? String == "clearedAudio")
        #expect(isJSONInteger(object["sequenceNumber"], equalTo: 412))
        #expect(object["streamId"] as? String == streamId)
    }

    @Test("track wire names")
    func trackNames() {
        #expect(Track.allCases.map(\.rawValue) == ["inbound", "outbound"])
        #expect(Track.allCases.map { $0.jsonName.description } == ["inbound", "outbound"])
    }
}

@Suite("StreamEventWriter: hot-path buffer reuse")
struct StreamEventWriterReuseTests {
    @Test("a cleared, reused buffer is never reallocated by media events")
    func reuse() {
        let frame = [UInt8](repeating: 0x7F, count: 160)
        var out = ByteBuffer()
        _ = frame.withUnsafeBytes {
            StreamEventWriter.writeMedia(
                sequenceNumber: 2, streamId: "b3e0f6d2-8c41-4f7a-a1d9-5e2c7b90f314", timestamp: 1_764_100_000_000,
                chunk: 1, payload: $0, into: &out
            )
        }
        let capacity = out.capacity
        let storage = out.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        for chunk in 2...3000 {
            out.clear()
            _ = frame.withUnsafeBytes {
                StreamEventWriter.writeMedia(
                    sequenceNumber: chunk + 1, streamId: "b3e0f6d2-8c41-4f7a-a1d9-5e2c7b90f314",
                    timestamp: 1_764_100_000_000 + 20 * (chunk - 1), chunk: chunk, payload: $0, into: &out
                )
            }
        }
        #expect(out.capacity == capacity)
        #expect(out.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == storage)
        #expect(out.text.contains(#""chunk":3000,"#))
    }
}
