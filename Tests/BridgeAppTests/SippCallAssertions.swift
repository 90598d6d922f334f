import Foundation
import Testing
import TestSupport

/// The `start` event, field by field and type by type (spec §3.1).
func assertStart(_ connection: AgentConnection, encoding: String, sampleRate: Int = 8000) throws {
    let first = try #require(connection.messages.first)
    #expect(first.event == "start", "start must be the first message")
    let json = first.json
    #expect(json["sequenceNumber"] as? Int == 1)
    #expect(json["extra_headers"] as? String == "{}")
    let start = try #require(json["start"] as? [String: Any])
    #expect((start["callId"] as? String)?.count == 36)
    #expect((start["streamId"] as? String)?.count == 36)
    #expect(start["accountId"] is String)
    #expect(start["tracks"] as? [String] == ["inbound"])
    let format = try #require(start["mediaFormat"] as? [String: Any])
    #expect(format["encoding"] as? String == encoding)
    #expect(format["sampleRate"] as? Int == sampleRate)
}

/// Every `media` event's fields (spec §3.2); returns the concatenated payload and arrival times.
func assertMediaEvents(_ connection: AgentConnection, frameBytes: Int = 160) throws -> (payload: [UInt8], times: [ContinuousClock.Instant]) {
    let streamID = (connection.messages.first?.json["start"] as? [String: Any])?["streamId"] as? String
    let media = connection.events("media")
    var payload: [UInt8] = []
    var lastSequence = 1
    var lastTimestamp: Int?
    for (index, message) in media.enumerated() {
        let json = message.json
        let sequence = try #require(json["sequenceNumber"] as? Int)
        #expect(sequence > lastSequence)
        lastSequence = sequence
        #expect(json["streamId"] as? String == streamID)
        let body = try #require(json["media"] as? [String: Any])
        #expect(body["track"] as? String == "inbound")
        #expect(body["chunk"] as? Int == index + 1)
        let timestamp = try #require((body["timestamp"] as? String).flatMap { Int($0) }, "timestamp is a string of ms")
        if let lastTimestamp { #expect(timestamp - lastTimestamp == 20) }
        lastTimestamp = timestamp
        let bytes = try #require(Data(base64Encoded: body["payload"] as? String ?? ""))
        #expect(bytes.count == frameBytes)
        payload += bytes
    }
    return (payload, media.map(\.time))
}

/// Frames arrive at 50 per second (±5 %) throughout the call, through the caller's audio and
/// the silence after it (the bridge keeps the clock when RTP stops). Measured as the median,
/// over every run of 10 frames, of the run's length at the agent: a rate that is off for most
/// of the call fails it, while what moves only a few runs does not — the one designed gap
/// (when the caller stops, the first concealed frame waits out `reorder_ms`) or a stall of
/// this test process (on a loaded machine the agent's reads can bunch up for a few hundred
/// ms; over the whole call, one late first frame moved the rate by 4/s).
func assertCadence(_ times: [ContinuousClock.Instant], atLeast frames: Int) {
    #expect(times.count >= frames)
    let run = 10
    guard times.count > 2 * run else { return }
    let spans = (0..<(times.count - run)).map { seconds(times[$0 + run] - times[$0]) }.sorted()
    let rate = Double(run) / spans[spans.count / 2]
    let whole = Double(times.count - 1) / seconds(times[times.count - 1] - times[0])
    #expect(abs(rate - 50) <= 2.5, "media rate \(rate)/s (median of \(spans.count) runs of \(run) frames; whole call \(whole)/s)")
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The agent's audio reached the caller byte for byte, paced every 20 ms (median ±2 ms).
func assertReturnPath(_ record: SippCallTests.CallRecord, expected: [UInt8], silence: UInt8) throws {
    let stream = record.returned.flatMap(\.payload)
    #expect(record.returned.allSatisfy { $0.payload.count == 160 })
    let start = try #require(stream.firstIndex { $0 != silence }, "no audio returned to the caller")
    #expect(stream.count >= start + expected.count)
    #expect(firstMismatch(Array(stream[start..<min(stream.count, start + expected.count)]), expected) == nil)
    let played = record.connection.events("playedStream")
    #expect(played.map { $0.json["name"] as? String } == ["all-played"])
    let deltas = zip(record.returned.dropFirst(), record.returned).map { ($0.time - $1.time) * 1000 }.sorted()
    let median = deltas[deltas.count / 2]
    #expect(abs(median - 20) <= 2, "median RTP spacing \(median) ms")
    #expect(record.connection.events("stop").isEmpty)
}

/// The stream carries the caller's audio exactly, then (once the caller stops sending) a
/// 60 ms fade of concealment and silence on the same 20 ms clock. The clock runs from the
/// answer, so whole frames of silence may come first if the caller's first packet is late.
func assertCallerAudio(_ payload: [UInt8], equals sent: [UInt8], thenSilence silence: UInt8) {
    let leading = payload.prefix { $0 == silence }.count / 160 * 160
    #expect(leading <= 5 * 160, "at most 100 ms before the caller's first packet, got \(leading / 8) ms")
    let audio = Array(payload.dropFirst(leading))
    #expect(firstMismatch(Array(audio.prefix(sent.count)), sent) == nil, "caller audio must arrive byte for byte")
    let tail = audio.dropFirst(sent.count + 480)
    #expect(tail.allSatisfy { $0 == silence }, "after the fade only silence")
}
