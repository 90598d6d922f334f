import Foundation
import NIOCore
import Testing
import TestSupport

@testable import WSEgress

private let streamId = "b3e0f6d2-8c41-4f7a-a1d9-5e2c7b90f314"

private func parse(_ text: String) throws(StreamProtocolError) -> InboundEvent {
    try InboundEventParser.parse(buffer(text))
}

private func playAudio(streamId: String? = nil, contentType: String? = nil, sampleRate: Int? = nil, _ bytes: [UInt8]) -> InboundEvent {
    .playAudio(PlayAudio(streamId: streamId, contentType: contentType, sampleRate: sampleRate, payload: buffer(bytes)))
}

@Suite("InboundEventParser: valid events (spec §4)")
struct InboundEventParserTests {
    /// Audio whose base64 contains `/` and `+`, so escaping matters.
    static let audio: [UInt8] = [0xFF, 0xFF, 0xFE, 0xFB, 0xEF, 0x00, 0x7E, 0x10]
    static let base64 = Data(audio).base64EncodedString()  // "///++wB+EA=="

    @Test("spec §4.1 playAudio example")
    func playAudioExample() throws {
        let text = #"{"event":"playAudio","streamId":"\#(streamId)","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"\#(Self.base64)"}}"#
        #expect(try parse(text) == playAudio(streamId: streamId, contentType: "audio/x-mulaw", sampleRate: 8000, Self.audio))
    }

    @Test("spec §4.2–§4.4 examples")
    func controlExamples() throws {
        #expect(try parse(#"{"event":"checkpoint","streamId":"\#(streamId)","name":"turn-3"}"#) == .checkpoint(name: "turn-3", streamId: streamId))
        #expect(try parse(#"{"event":"clearAudio","streamId":"\#(streamId)"}"#) == .clearAudio(streamId: streamId))
        #expect(try parse(#"{"event":"stop","streamId":"\#(streamId)"}"#) == .stop(streamId: streamId))
    }

    @Test("Pipecat's shapes (spec §8): Python json.dumps separators, media before streamId")
    func pipecatShapes() throws {
        var rng = SplitMix64(seed: 0x5EED_0004)
        let audio = rng.bytes(1100)  // an uneven Pipecat-sized payload
        let plivo = #"{"event": "playAudio", "media": {"contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": "\#(Data(audio).base64EncodedString())"}, "streamId": "\#(streamId)"}"#
        #expect(try parse(plivo) == playAudio(streamId: streamId, contentType: "audio/x-mulaw", sampleRate: 8000, audio))
        #expect(try parse(#"{"event": "clearAudio", "streamId": "\#(streamId)"}"#) == .clearAudio(streamId: streamId))
        #expect(try parse(#"{"event": "stop", "streamId": "\#(streamId)"}"#) == .stop(streamId: streamId))
        #expect(try parse(#"{"event": "checkpoint", "streamId": "s", "name": "customer greeting audio"}"#) == .checkpoint(name: "customer greeting audio", streamId: "s"))
    }

    @Test("keys in any order, event last")
    func reorderedKeys() throws {
        let text = #"{"media":{"payload":"\#(Self.base64)","sampleRate":16000,"contentType":"audio/x-l16"},"streamId":"s","event":"playAudio"}"#
        #expect(try parse(text) == playAudio(streamId: "s", contentType: "audio/x-l16", sampleRate: 16000, Self.audio))
        #expect(try parse(#"{"name":"n","streamId":"s","event":"checkpoint"}"#) == .checkpoint(name: "n", streamId: "s"))
    }

    @Test("whitespace everywhere (RFC 8259 §2)")
    func whitespace() throws {
        let text = " \r\n\t{ \n\"event\" \t:\r \"playAudio\" ,\n \"media\" : {\n\t\"payload\" : \"\(Self.base64)\" ,\"sampleRate\"\n:\n8000 } \n} \r\n\t "
        #expect(try parse(text) == playAudio(sampleRate: 8000, Self.audio))
    }

    @Test("escaped payload: \\/ and \\u002F and \\n line breaks are unescaped before base64")
    func escapedPayload() throws {
        let slashes = Self.base64.replacingOccurrences(of: "/", with: #"\/"#)
        #expect(try parse(#"{"event":"playAudio","media":{"payload":"\#(slashes)"}}"#) == playAudio(Self.audio))
        let unicode = Self.base64.replacingOccurrences(of: "/", with: #"\u002F"#).replacingOccurrences(of: "+", with: #"\u002b"#)
        #expect(try parse(#"{"event":"playAudio","media":{"payload":"\#(unicode)"}}"#) == playAudio(Self.audio))
        var rng = SplitMix64(seed: 0x5EED_0005)
        let long = rng.bytes(700)
        let wrapped = Data(long).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            .replacingOccurrences(of: "\r\n", with: #"\r\n"#).replacingOccurrences(of: "/", with: #"\/"#)
        #expect(try parse(#"{"event":"playAudio","media":{"payload":"\#(wrapped)"}}"#) == playAudio(long))
    }

    @Test("sampleRate as a digit string, contentType with ;rate= (spec §4.1 rule 2)")
    func lenientMediaFields() throws {
        let text = #"{"event":"playAudio","media":{"contentType":"audio/x-l16;rate=24000","sampleRate":"24000","payload":"Zm9v"}}"#
        #expect(try parse(text) == playAudio(contentType: "audio/x-l16;rate=24000", sampleRate: 24000, Array("foo".utf8)))
        let escaped = #"{"event":"playAudio","media":{"sampleRate":"\u0038000","payload":"Zm9v"}}"#
        #expect(try parse(escaped) == playAudio(sampleRate: 8000, Array("foo".utf8)))
    }

    @Test("optional fields missing or null")
    func optionalFields() throws {
        #expect(try parse(#"{"event":"playAudio","media":{"payload":"Zm9v"}}"#) == playAudio(Array("foo".utf8)))
        #expect(try parse(#"{"event":"playAudio","streamId":null,"media":{"payload":"Zm9v","contentType":null,"sampleRate":null}}"#) == playAudio(Array("foo".utf8)))
        #expect(try parse(#"{"event":"playAudio","media":{"payload":""}}"#) == playAudio([]))
        #expect(try parse(#"{"event":"checkpoint","name":"x"}"#) == .checkpoint(name: "x", streamId: nil))
        #expect(try parse(#"{"event":"clearAudio"}"#) == .clearAudio(streamId: nil))
        #expect(try parse(#"{"event":"stop","streamId":null}"#) == .stop(streamId: nil))
    }

    @Test("unknown keys of every JSON type are skipped")
    func unknownKeys() throws {
        #expect(try parse(unknownKeysOfEveryType) == .stop(streamId: "s"))
        // Unknown members inside media, and fields the event does not use, are never interpreted.
        #expect(try parse(#"{"event":"playAudio","media":{"extra":{"payload":1},"payload":"Zm9v","track":"x"},"name":5}"#) == playAudio(Array("foo".utf8)))
        #expect(try parse(#"{"event":"clearAudio","name":5,"media":"nope","sampleRate":[]}"#) == .clearAudio(streamId: nil))
    }

    @Test("duplicate keys: the last one wins, media as a whole")
    func duplicateKeys() throws {
        #expect(try parse(#"{"event":"stop","event":"clearAudio"}"#) == .clearAudio(streamId: nil))
        #expect(try parse(#"{"event":"checkpoint","name":"a","name":"b"}"#) == .checkpoint(name: "b", streamId: nil))
        #expect(try parse(#"{"event":"playAudio","media":{"payload":"AAAA"},"media":{"payload":"Zm9v"}}"#) == playAudio(Array("foo".utf8)))
        #expect(try parse(#"{"event":"playAudio","media":{"payload":"Zm9v","payload":"Zg=="}}"#) == playAudio(Array("f".utf8)))
        #expect(throws: StreamProtocolError.missingField("media.payload")) {
            try parse(#"{"event":"playAudio","media":{"payload":"Zm9v"},"media":{"sampleRate":8000}}"#)
        }
    }

    @Test("unknown events are reported as .other (spec §4.5)")
    func unknownEvents() throws {
        #expect(try parse(#"{"event":"mark","mark":{"name":"x"}}"#) == .other(event: "mark"))
        #expect(try parse(#"{"event":""}"#) == .other(event: ""))
        #expect(try parse(#"{"event":"PlayAudio"}"#) == .other(event: "PlayAudio"), "event names are case-sensitive")
    }

    @Test("string escapes: quotes, control characters, \\u, surrogate pairs, raw UTF-8")
    func stringEscapes() throws {
        let text = #"{"event":"checkpoint","name":"a\"b\\c\u0001\u00e9\ud83d\ude00 é😀\/\b\f\n\r\t\u0000","streamId":"s"}"#
        #expect(try parse(text) == .checkpoint(name: "a\"b\\c\u{1}é😀 é😀/\u{8}\u{C}\n\r\t\u{0}", streamId: "s"))
        // Escaped keys are matched by value.
        #expect(try parse(#"{"\u0065vent":"st\u006fp","str\u0065amId":"s"}"#) == .stop(streamId: "s"))
    }

    @Test("a name written by Foundation round-trips")
    func foundationWrittenName() throws {
        let name = "a\"b\\c\u{1}é😀\u{1F}\u{7F}"
        let data = try JSONSerialization.data(withJSONObject: ["event": "checkpoint", "name": name, "streamId": streamId])
        #expect(try InboundEventParser.parse(ByteBuffer(bytes: data)) == .checkpoint(name: name, streamId: streamId))
    }

    @Test("parses the readable bytes of a binary frame without moving its reader index")
    func readerIndex() throws {
        var frame = buffer("garbage{" + #"{"event":"stop"}"#)
        frame.moveReaderIndex(forwardBy: 8)
        #expect(try InboundEventParser.parse(frame) == .stop(streamId: nil))
        #expect(frame.readerIndex == 8)
        // Offsets in errors count from the reader index.
        var bad = buffer("xx" + #"{"event":5}"#)
        bad.moveReaderIndex(forwardBy: 2)
        #expect(throws: StreamProtocolError.invalidField("event", at: 9)) { try InboundEventParser.parse(bad) }
    }

    @Test("nesting up to the limit is accepted")
    func nestingAtLimit() throws {
        let depth = InboundEventParser.maximumNestingDepth - 1  // plus the top-level object
        let text = #"{"event":"stop","x":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(try parse(text) == .stop(streamId: nil))
        let objects = #"{"event":"stop","x":"# + String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1) + "}"
        #expect(try parse(objects) == .stop(streamId: nil))
    }
}

/// Unknown members of every JSON type around a `stop`, including a string holding an escaped quote
/// and a closing brace, which a scanner that skips values must not take for the object's end.
private let unknownKeysOfEveryType =
    #"{"x":{"a":[1,-2.5e-3,{"b":null},[[]],{}],"c":true},"n":-0.0E+5,"f":false,"t":true,"z":null,"e":1E9,"s":"\"}","event":"stop","a":[],"media":{"junk":[{"payload":5}]},"streamId":"s"}"#
