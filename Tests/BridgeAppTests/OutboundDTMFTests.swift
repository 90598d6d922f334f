import Foundation
import NIOCore
import RTPMedia
import Testing
import TestSupport
import Transcode

@testable import BridgeApp

/// The AI server's `sendDTMF` reaches the caller (issue 4: "outbound digits sendable on
/// request"): as RFC 4733 telephone-events when offered, else as in-band tones; and the
/// playout statistics (underruns, MOS) in `/status`.
@Suite(.serialized)
struct OutboundDTMFTests {
    @Test func sendDTMFBecomesTelephoneEventsOnTheAudioStream() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 21)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        agent.send(json: ["event": "sendDTMF", "dtmf": "1#"])
        let events = try await poll(timeout: .seconds(5), what: "two digits as telephone-events") { () -> [DTMFDigit]? in
            var detector = DTMFDetector()
            let digits = caller.receivedRTP.filter { $0.payloadType == 101 }.flatMap {
                detector.push(ByteBuffer(bytes: $0.payload), timestamp: $0.timestamp)
            }
            return digits.count == 2 ? digits : nil
        }
        #expect(String(events.map(\.digit)) == "1#")
        #expect(events.allSatisfy { $0.durationUnits == 800 }, "100 ms each")
        // One stream: audio and events share the sequence space with no gap (RFC 4733 §2.1).
        try await Task.sleep(for: .milliseconds(100))
        let sequences = caller.receivedRTP.map(\.sequence)
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
        let received = caller.receivedRTP
        #expect(received.filter { $0.payloadType == 101 }.count == 14, "7 packets per digit")
        // Marker on each event's first packet, and on the first audio packet after the events.
        let markers = zip(received.dropFirst(), received).filter { $0.0.marker }.map { ($0.1.payloadType, $0.0.payloadType) }
        #expect(markers.filter { $0.1 == 101 }.count == 2)
        #expect(markers.contains { $0.0 == 101 && $0.1 == 0 })
        let media = try #require(((try await harness.status()["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any])
        #expect(media["dtmfDigitsSent"] as? Int == 2)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    @Test func withoutTelephoneEventsTheDigitIsPlayedInBand() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 22)
        let caller = try await harness.caller()
        #expect(try await caller.invite(telephoneEvent: false) == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        agent.send(json: ["event": "sendDTMF", "dtmf": "5"])
        let tone = try await poll(timeout: .seconds(5), what: "100 ms of tone") { () -> [Int16]? in
            let samples = caller.receivedRTP.filter { $0.payloadType == 0 }.flatMap(\.payload).map(MuLaw.decode)
            guard let start = SignalAnalysis.onset(samples), samples.count >= start + 800 else { return nil }
            return Array(samples[start..<start + 800])
        }
        #expect(caller.receivedRTP.allSatisfy { $0.payloadType == 0 })
        // Key 5 is 770 Hz + 1336 Hz (Q.23); fit each over the 100 ms.
        let low = SignalAnalysis.tone(tone[...], frequency: 770, rate: 8000)
        let high = SignalAnalysis.tone(tone[...], frequency: 1336, rate: 8000)
        #expect(low.purity > 0.4 && high.purity > 0.4, "770 Hz \(low.purity), 1336 Hz \(high.purity)")
        #expect(low.purity + high.purity > 0.95)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    /// 100 ms of audio, a 150 ms pause (the queue runs dry and refills within 300 ms: one
    /// underrun), then 600 ms later more audio (a new utterance, not an underrun).
    @Test func underrunsAndTheQualityEstimateAreInTheStatus() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 23)
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")
        for index in 0..<10 {
            try await caller.sendRTP(
                payload: pattern(160, seed: index), payloadType: 0, sequence: UInt16(index), timestamp: UInt32(index * 160))
        }
        let chunk = Data(pattern(800, seed: 4)).base64EncodedString()
        let play: [String: Any] = ["event": "playAudio", "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": chunk]]
        agent.send(json: play)
        try await Task.sleep(for: .milliseconds(250))
        agent.send(json: play)
        try await Task.sleep(for: .milliseconds(700))
        agent.send(json: play)
        try await Task.sleep(for: .milliseconds(200))
        let media = try #require(((try await harness.status()["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any])
        #expect(media["playoutUnderruns"] as? Int == 1)
        let mos = try #require((media["mos"] as? NSNumber)?.doubleValue)
        #expect(mos > 4.3 && mos <= 4.5, "no loss on loopback: MOS \(mos)")
        #expect(media["bytesOut"] as? Int ?? 0 >= 3 * 800)
        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }
}
