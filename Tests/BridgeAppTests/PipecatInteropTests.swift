import Foundation
import Testing
import TestSupport
import Transcode

@testable import BridgeApp

/// Interop with the serializers real AI servers run (issue 5: "an AI server written for Vobiz
/// (e.g. Pipecat with its Vobiz or Plivo serializer) must work against sipbridge unchanged"):
/// pipecat-vobiz's VobizFrameSerializer, pipecat-ai's PlivoFrameSerializer and
/// TwilioFrameSerializer, each in an echo bot (Scenarios/pipecat_echo_agent.py), behind a route
/// of the matching dialect: audio both ways (the caller's tone comes back), a key press reaches
/// the serializer, and barge-in works (the bot's 3 s reply, interrupted after 300 ms, stops).
@Suite(.serialized)
struct PipecatInteropTests {
    static let python = (ProcessInfo.processInfo.environment["SIPBRIDGE_PIPECAT_VENV"] ?? "/opt/sipbridge-interop/pipecat")
        + "/bin/python"

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: python),
            "needs the Pipecat environment (scripts/setup-interop, run by scripts/test)"),
        arguments: [("vobiz", "vobiz", "VobizFrameSerializer"), ("plivo", "plivo", "PlivoFrameSerializer"),
                    ("twilio", "twilio", "TwilioFrameSerializer")])
    func aPipecatEchoBotTalksBack(path: String, dialect: String, serializer: String) async throws {
        let directory = try temporaryDirectory("pipecat")
        defer { try? FileManager.default.removeItem(at: directory) }
        let agent = try ExternalProcess(
            Self.python, [SippCallTests.scenarioURL("pipecat_echo_agent.py").path, "60"], directory: directory)
        defer { agent.send(signal: SIGKILL) }
        let port = try await poll(timeout: .seconds(60), what: "the Pipecat agent to listen") {
            agent.log.split(separator: "\n").compactMap { $0.hasPrefix("LISTENING ") ? Int($0.dropFirst(10)) : nil }.first
        }
        let route = """
              - name: pipecat
                match: { to_user: "^bot$" }
                stream: { url: "ws://127.0.0.1:\(port)/\(path)", dialect: \(dialect), content_type: "audio/x-mulaw;rate=8000" }
            """
        let index = ["vobiz": 67, "plivo": 68, "twilio": 69][path] ?? 67
        let harness = try await BridgeHarness.start(rtpRangeIndex: index, codecs: "[PCMU]", extraRoute: route)
        let caller = try await harness.caller()
        #expect(try await caller.invite(user: "bot") == 200)

        // 1 s of a 500 Hz tone at −12 dBFS, sent on the clock, then a key press (RFC 4733 via INFO).
        let tone = (0..<8000).map { MuLaw.encode(Int16((8231 * sin(2 * Double.pi * 500 * Double($0) / 8000)).rounded())) }
        let begin = ContinuousClock.now
        var sent = 0
        while sent < 50 {
            let due = min(49, Int((ContinuousClock.now - begin) / .milliseconds(20)))
            while sent <= due {
                try await caller.sendRTP(
                    payload: Array(tone[sent * 160..<(sent + 1) * 160]), payloadType: 0, sequence: UInt16(sent),
                    timestamp: UInt32(sent * 160))
                sent += 1
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let info = try await caller.inDialog("INFO", contentType: "application/dtmf-relay", body: "Signal=7\r\nDuration=160\r\n")
        #expect(info.status == 200)
        let pressed = caller.receivedRTP.count
        // The key press starts the bot's 3 s, 1 kHz reply; it barges in after 300 ms. 2 s later
        // an uninterrupted reply would still be playing (100 frames of it).
        try await Task.sleep(for: .seconds(2))
        let reply = caller.receivedRTP[pressed...].filter { $0.payloadType == 0 }.map { packet in
            Self.isDominated(byHertz: 1000, packet.payload.map { Double(MuLaw.decode($0)) })
        }
        let replyFrames = reply.filter { $0 }.count
        #expect(replyFrames >= 5 && replyFrames <= 40, "\(replyFrames) frames of the reply played (3 s would be 150)")

        // The echo: the tone comes back to the caller (µ-law → PCM → µ-law through Pipecat).
        let heard = caller.receivedRTP.filter { $0.payloadType == 0 }.flatMap(\.payload).map { Double(MuLaw.decode($0)) }
        let reference = tone.map { Double(MuLaw.decode($0)) }
        let best = bestCorrelation(heard, reference[1600..<4800])
        #expect(best > 0.95, "echoed tone correlation \(best) (\(heard.count) samples heard)")

        #expect(try await caller.bye(user: "bot") == 200)
        let report = try await poll(timeout: .seconds(10), what: "the agent's report") {
            agent.log.split(separator: "\n").first { $0.hasPrefix("REPORT ") }.map { String($0.dropFirst(7)) }
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        #expect(json["serializer"] as? String == serializer)
        #expect(json["first_event"] as? String == (dialect == "twilio" ? "connected" : "start"))
        #expect((json["audio_frames"] as? Int ?? 0) >= 45, "\(report)")
        #expect((json["sent"] as? Int ?? 0) >= 45, "\(report)")
        #expect(json["dtmf"] as? [String] == ["7"], "\(report)")
        #expect(json["interrupted"] as? Bool == true, "\(report)")
        try await harness.waitIdle()
        await caller.close()
        await harness.stop()
    }

    /// Whether most of a frame's energy is at `hertz` (Goertzel, 8 kHz) and it is not silence.
    static func isDominated(byHertz hertz: Double, _ samples: [Double]) -> Bool {
        let coefficient = 2 * cos(2 * Double.pi * hertz / 8000)
        var (previous, beforePrevious) = (0.0, 0.0)
        for sample in samples {
            let current = sample + coefficient * previous - beforePrevious
            (beforePrevious, previous) = (previous, current)
        }
        let power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
        let energy = samples.reduce(0) { $0 + $1 * $1 }
        // A pure tone over N samples gives power ≈ energy·N/2.
        return energy > Double(samples.count) * 300 * 300 && power > 0.5 * energy * Double(samples.count) / 2
    }

    /// The largest normalised cross-correlation of `segment` against `signal` at any lag.
    private func bestCorrelation(_ signal: [Double], _ segment: ArraySlice<Double>) -> Double {
        let pattern = Array(segment)
        guard signal.count >= pattern.count else { return 0 }
        let patternEnergy = pattern.reduce(0) { $0 + $1 * $1 }
        var best = 0.0
        for lag in stride(from: 0, through: signal.count - pattern.count, by: 1) {
            var dot = 0.0
            var energy = 0.0
            for index in 0..<pattern.count {
                let value = signal[lag + index]
                dot += value * pattern[index]
                energy += value * value
            }
            if energy > 0 { best = max(best, dot / (energy * patternEnergy).squareRoot()) }
            if best > 0.99 { break }
        }
        return best
    }
}
