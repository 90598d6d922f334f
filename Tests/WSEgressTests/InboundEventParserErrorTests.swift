import Foundation
import NIOCore
import Testing
import TestSupport

@testable import WSEgress

private func parse(_ bytes: [UInt8]) throws(StreamProtocolError) -> InboundEvent {
    try InboundEventParser.parse(buffer(bytes))
}

private func parse(_ text: String) throws(StreamProtocolError) -> InboundEvent {
    try parse(Array(text.utf8))
}

/// The error thrown for `bytes`, or `nil` if they parse.
private func error(_ bytes: [UInt8]) -> StreamProtocolError? {
    do {
        _ = try parse(bytes)
        return nil
    } catch {
        return error
    }
}

private let validPlayAudio =
    #"{"event":"playAudio","streamId":"b3e0f6d2-8c41-4f7a-a1d9-5e2c7b90f314","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"///++wB+EA=="}}"#

@Suite("InboundEventParser: malformed and hostile input")
struct InboundEventParserErrorTests {
    @Test(
        "shape errors: valid JSON that is not a usable event",
        arguments: [
            ("[]", StreamProtocolError.notAnObject),
            (#""x""#, .notAnObject),
            ("42", .notAnObject),
            (" null ", .notAnObject),
            ("{}", .missingEvent),
            (#"{"event":null}"#, .missingEvent),
            (#"{"Event":"stop"}"#, .missingEvent),
            (#"{"event":5}"#, .invalidField("event", at: 9)),
            (#"{"event":["stop"]}"#, .invalidField("event", at: 9)),
            (#"{"event":"playAudio"}"#, .missingField("media")),
            (#"{"event":"playAudio","media":null}"#, .missingField("media")),
            (#"{"event":"playAudio","media":{}}"#, .missingField("media.payload")),
            (#"{"event":"playAudio","media":{"payload":null}}"#, .missingField("media.payload")),
            (#"{"event":"playAudio","payload":"Zm9v"}"#, .missingField("media")),
            (#"{"event":"playAudio","media":[1]}"#, .invalidField("media", at: 29)),
            (#"{"event":"playAudio","media":"Zm9v"}"#, .invalidField("media", at: 29)),
            (#"{"event":"playAudio","media":true}"#, .invalidField("media", at: 29)),
            (#"{"event":"playAudio","media":{"payload":5}}"#, .invalidField("media.payload", at: 40)),
            (#"{"event":"playAudio","media":{"payload":"Zm9v!"}}"#, .invalidBase64("media.payload", at: 40)),
            (#"{"event":"playAudio","media":{"payload":"Zm9v\u0021"}}"#, .invalidBase64("media.payload", at: 40)),
            (#"{"event":"playAudio","media":{"payload":"Z"}}"#, .invalidBase64("media.payload", at: 40)),
            (#"{"event":"playAudio","media":{"payload":"Zm 9v"}}"#, .invalidBase64("media.payload", at: 40)),
            (#"{"event":"playAudio","media":{"payload":"Zm9v","contentType":1}}"#, .invalidField("media.contentType", at: 61)),
            (#"{"event":"playAudio","streamId":7,"media":{"payload":"Zm9v"}}"#, .invalidField("streamId", at: 32)),
            (#"{"event":"checkpoint"}"#, .missingField("name")),
            (#"{"event":"checkpoint","name":null}"#, .missingField("name")),
            (#"{"event":"checkpoint","name":7}"#, .invalidField("name", at: 29)),
            (#"{"event":"stop","streamId":1}"#, .invalidField("streamId", at: 27)),
            (#"{"event":"clearAudio","streamId":{}}"#, .invalidField("streamId", at: 33)),
        ]
    )
    func shapeErrors(text: String, expected: StreamProtocolError) {
        #expect(throws: expected) { try parse(text) }
    }

    @Test(
        "media.sampleRate must be an integer or a string of digits",
        arguments: ["8000.0", "8e3", "-8000", "\"8k\"", "\"\"", "\"-8000\"", "\"+8000\"", "\" 8000\"", "true", "[8000]", "1234567890", "\"1234567890\""]
    )
    func badSampleRate(value: String) {
        let text = #"{"event":"playAudio","media":{"payload":"Zm9v","sampleRate":"# + value + "}}"
        #expect(throws: StreamProtocolError.invalidField("media.sampleRate", at: 60)) { try parse(text) }
    }

    @Test(
        "malformed JSON is reported at the offending byte",
        arguments: [
            ("", 0), ("   ", 3), ("{", 1), (#"{"event":"stop""#, 15), (#"{"event":"stop"}x"#, 16),
            (#"{"event":"stop"}{}"#, 16), (#"{"event":"stop",}"#, 16), (#"{"event" "stop"}"#, 9),
            (#"{event:"stop"}"#, 1), ("{'event':'stop'}", 1), (#"{"event":"st\qop"}"#, 12),
            (#"{"event":"\u12"}"#, 14), (#"{"event":"\u12G4"}"#, 14), (#"{"event":"\ud83d"}"#, 10),
            (#"{"event":"\ude00"}"#, 10), (#"{"event":"\ud83d\u0041"}"#, 10), (#"{"event":"\ud83dx"}"#, 10),
            ("{\"event\":\"a\tb\"}", 11), ("{\"event\":\"a\nb\"}", 11), (#"{"a":01}"#, 6), (#"{"a":1.}"#, 7),
            (#"{"a":.5}"#, 5), (#"{"a":-}"#, 6), (#"{"a":1e}"#, 7), (#"{"a":1e+}"#, 8), (#"{"a":+1}"#, 5),
            (#"{"a":0x10}"#, 6), (#"{"a":tru}"#, 8), (#"{"a":nul}"#, 8), (#"{"a":True}"#, 5), (#"{"a":NaN}"#, 5),
            (#"{"a":1,,"b":2}"#, 7), (#"{"a"::1}"#, 5), (#"{"a":[1,]}"#, 8), (#"{"a":[1 2]}"#, 8), (#"{"a":[}"#, 6),
            (#"{"a":{]}"#, 6), (#"{"a":1]"#, 6), ("\u{FEFF}{}", 0), ("[1,2", 4), (#"{"a""#, 4),
        ]
    )
    func malformed(text: String, offset: Int) {
        #expect(throws: StreamProtocolError.malformedJSON(at: offset)) { try parse(text) }
    }

    @Test(
        "invalid UTF-8 inside strings is rejected (RFC 8259 §8.1, RFC 3629 §4)",
        arguments: [
            [0xFF], [0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
            [0xF0, 0x80, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xC3, 0x41],
        ] as [[UInt8]]
    )
    func invalidUTF8(sequence: [UInt8]) throws {
        let bytes = Array(#"{"event":"checkpoint","name":""#.utf8) + sequence + Array(#""}"#.utf8)
        let thrown = try #require(error(bytes))
        #expect(thrown == .malformedJSON(at: try #require(thrown.offset)))
        #expect(thrown.description.contains("malformed JSON"))
    }

    @Test("a valid playAudio truncated at every byte offset is an error, never a crash")
    func truncation() throws {
        let bytes = Array(validPlayAudio.utf8)
        guard case .playAudio(let full) = try parse(bytes) else {
            Issue.record("the untruncated frame must parse")
            return
        }
        #expect(Array(full.payload.readableBytesView) == [0xFF, 0xFF, 0xFE, 0xFB, 0x00, 0x7E, 0x10])
        for length in 0..<bytes.count {
            let thrown = error(Array(bytes[..<length]))
            #expect(thrown != nil, "prefix of \(length) bytes parsed")
        }
    }

    @Test("nesting beyond the limit is refused without recursing further")
    func deepNesting() {
        let depth = InboundEventParser.maximumNestingDepth  // plus the top-level object: one too many
        let arrays = #"{"event":"stop","x":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(throws: StreamProtocolError.nestingTooDeep(at: 20 + depth - 1)) { try parse(arrays) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: StreamProtocolError.nestingTooDeep(at: depth)) { try parse(hostile) }
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: StreamProtocolError.nestingTooDeep(at: 5 * depth)) { try parse(objects) }
    }

    @Test("random garbage never crashes and is never accepted as an event")
    func garbage() {
        var rng = SplitMix64(seed: 0x5EED_0006)
        for _ in 0..<3000 {
            let bytes = rng.bytes(Int.random(in: 0...200, using: &rng))
            #expect(error(bytes) != nil, "accepted \(bytes)")
        }
    }

    @Test("mutations of a valid frame never crash; whatever we accept, Foundation accepts too")
    func mutations() throws {
        var rng = SplitMix64(seed: 0x5EED_0007)
        let original = Array(validPlayAudio.utf8)
        let alphabet = Array(#"{}[]":,\/0123456789.eE+-tfnul "Zabu=xyz"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        var accepted = 0
        for _ in 0..<5000 {
            var bytes = original
            for _ in 0...Int.random(in: 0...2, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                let byte = alphabet.randomElement(using: &rng)!
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[position] = byte
                case 1: bytes.insert(byte, at: position)
                default: if bytes.count > 1 { bytes.remove(at: position) }
                }
            }
            guard error(bytes) == nil else { continue }
            accepted += 1
            let foundation = try? JSONSerialization.jsonObject(with: Data(bytes))
            #expect(foundation is [String: Any], "we accepted what Foundation rejects: \(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 0, "some mutations (e.g. inside the stream id) stay valid")
    }

    @Test("descriptions name the problem")
    func descriptions() {
        #expect(StreamProtocolError.malformedJSON(at: 3).description == "malformed JSON at offset 3")
        #expect(StreamProtocolError.missingField("media.payload").description.contains("media.payload"))
        #expect(StreamProtocolError.invalidBase64("media.payload", at: 9).offset == 9)
        #expect(StreamProtocolError.missingEvent.offset == nil)
        #expect(StreamProtocolError.notAnObject != .missingEvent)
        do {
            _ = try parse(#"{"event":"a\qb"}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "malformed JSON at offset 11: invalid escape sequence")
            #expect(error == .malformedJSON(at: 11), "the detail is not part of equality")
        }
    }
}
