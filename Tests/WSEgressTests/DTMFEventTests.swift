import Foundation
import NIOCore
import Testing
import Transcode

@testable import WSEgress

private let streamId = "b3e0f6d2-8c41-4f7a-a1d9-5e2c7b90f314"

/// The `dtmf` event (spec §3.5 extension, Plivo shape), checked by Foundation's parser for
/// exact fields and JSON types.
@Suite("dtmf event")
struct DTMFEventTests {
    /// Every field of a parsed `dtmf` event, with its JSON type.
    private struct Parsed {
        var sequenceNumber: Int
        var streamId: String
        var track: String
        var digit: String
        var timestamp: String
        var duration: Int
    }

    /// Parses `buffer` as a `dtmf` event, requiring the exact key sets and JSON types.
    private func parse(_ buffer: ByteBuffer) throws -> Parsed {
        let object = try #require(try foundationObject(buffer))
        #expect(Set(object.keys) == ["event", "sequenceNumber", "streamId", "dtmf"])
        #expect(object["event"] as? String == "dtmf")
        let dtmf = try #require(object["dtmf"] as? [String: Any])
        #expect(Set(dtmf.keys) == ["track", "digit", "timestamp", "duration"])
        let sequenceNumber = try #require(object["sequenceNumber"] as? NSNumber)
        #expect(isJSONInteger(sequenceNumber, equalTo: sequenceNumber.intValue), "sequenceNumber is an integer")
        let duration = try #require(dtmf["duration"] as? NSNumber)
        #expect(isJSONInteger(duration, equalTo: duration.intValue), "duration is an integer")
        let timestamp = try #require(dtmf["timestamp"] as? String, "timestamp is a string")
        #expect(!timestamp.isEmpty && timestamp.allSatisfy(\.isASCII) && timestamp.allSatisfy(\.isNumber))
        return Parsed(
            sequenceNumber: sequenceNumber.intValue,
            streamId: try #require(object["streamId"] as? String),
            track: try #require(dtmf["track"] as? String),
            digit: try #require(dtmf["digit"] as? String, "digit is a string"),
            timestamp: timestamp,
            duration: duration.intValue)
    }

    @Test("writer: byte for byte, and Foundation reads every field with its type")
    func writerExample() throws {
        var out = ByteBuffer()
        let written = StreamEventWriter.writeDTMF(
            sequenceNumber: 42, streamId: streamId, digit: "5", timestamp: 1_764_100_000_280, durationMilliseconds: 280,
            into: &out)
        #expect(written == out.readableBytes)
        #expect(
            out.text
                == #"{"event":"dtmf","sequenceNumber":42,"streamId":"\#(streamId)","dtmf":{"track":"inbound","digit":"5","timestamp":"1764100000280","duration":280}}"#
        )
        let parsed = try parse(out)
        #expect(parsed.sequenceNumber == 42)
        #expect(parsed.streamId == streamId)
        #expect(parsed.track == "inbound")
        #expect(parsed.digit == "5")
        #expect(parsed.timestamp == "1764100000280")
        #expect(parsed.duration == 280)
    }

    @Test(
        "writer: every DTMF digit is a one-character JSON string",
        arguments: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D"] as [Character])
    func writerDigits(digit: Character) throws {
        var out = ByteBuffer()
        StreamEventWriter.writeDTMF(
            sequenceNumber: 1, streamId: "s", digit: digit, timestamp: 0, durationMilliseconds: 0, into: &out)
        let parsed = try parse(out)
        #expect(parsed.digit == String(digit))
        #expect(parsed.timestamp == "0")
        #expect(parsed.duration == 0)
    }

    /// Appends after existing content, returns only its own length, and escapes the stream id.
    @Test("writer: appends, counts its own bytes, escapes the stream id")
    func writerAppends() throws {
        var out = buffer("prefix")
        let written = StreamEventWriter.writeDTMF(
            sequenceNumber: 7, streamId: "a\"b\\c", digit: "#", timestamp: 99, durationMilliseconds: 1_000, into: &out)
        #expect(written == out.readableBytes - 6)
        out.moveReaderIndex(forwardBy: 6)
        let parsed = try parse(out)
        #expect(parsed.streamId == "a\"b\\c")
        #expect(parsed.sequenceNumber == 7)
        #expect(parsed.duration == 1_000)
    }

    /// The session numbers `dtmf` in the one stream-wide sequence and stamps it with the
    /// inbound track's media clock (the timestamp of the latest inbound `media` frame).
    @Test("session: continues the sequence counter, stamped on the inbound media clock")
    func sessionDTMF() throws {
        let epoch = 1_764_100_000_000
        var session = StreamSession(
            start: StreamStart(callId: "c", streamId: streamId, accountId: "1", mediaFormat: .mulaw8k),
            startEpochMilliseconds: epoch)
        var scratch = ByteBuffer()
        session.writeStart(into: &scratch)

        // Before any media: the stream's start time.
        var out = ByteBuffer()
        session.writeDTMF(digit: "1", durationMilliseconds: 120, into: &out)
        var parsed = try parse(out)
        #expect(parsed.sequenceNumber == 2)
        #expect(parsed.timestamp == String(epoch))
        #expect(parsed.streamId == streamId)
        #expect(parsed.duration == 120)
        #expect(parsed.digit == "1")

        // After three inbound frames (and an outbound one, which has its own clock).
        var lastMedia = ByteBuffer()
        for _ in 0..<3 {
            lastMedia.clear()
            session.writeMedia(ByteBuffer(repeating: 0xFF, count: 160), into: &lastMedia)
        }
        scratch.clear()
        session.writeMedia(ByteBuffer(repeating: 0xFF, count: 160), track: .outbound, into: &scratch)
        out.clear()
        session.writeDTMF(digit: "*", durationMilliseconds: 280, into: &out)
        parsed = try parse(out)
        #expect(parsed.sequenceNumber == 7)  // start, dtmf, 3 inbound, 1 outbound
        #expect(parsed.timestamp == String(epoch + 40))
        let media = try #require(try foundationObject(lastMedia)?["media"] as? [String: Any])
        #expect(media["timestamp"] as? String == parsed.timestamp, "the latest inbound frame's timestamp")
        #expect(parsed.digit == "*")
        #expect(session.messagesSent == 7)

        // The counter goes on for the next message.
        out.clear()
        session.writeClearedAudio(into: &out)
        #expect(isJSONInteger(try foundationObject(out)?["sequenceNumber"], equalTo: 8))
    }
}
