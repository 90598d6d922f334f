import Foundation
import Testing
import TestSupport
import Transcode

@testable import BridgeApp

/// End to end with real peers (issue 2's acceptance test): sipp is the carrier, placing calls
/// to the bridge on 127.0.0.1; a test agent is the AI server; tcpdump records what reaches the
/// caller's RTP port.
@Suite(.serialized)
struct SippCallTests {
    /// What one call produced.
    struct CallRecord {
        let connection: AgentConnection
        let returned: [(time: Double, sequence: UInt16, payload: [UInt8])]
        let agentAudio: [UInt8]
    }

    /// What the agent plays back: `bytes` in `contentType` at `sampleRate`, in uneven
    /// 1100-byte `playAudio` messages (as Pipecat sends, spec §8.3).
    struct AgentPlay: Sendable {
        var contentType = "audio/x-mulaw"
        var sampleRate = 8000
        var bytes = pattern(16_000, seed: 11)  // 2 s of µ-law
    }

    /// Runs one sipp call against a fresh bridge; the agent answers every stream with
    /// `play` and a final checkpoint.
    static func runCall(
        scenario: String, audio: String = "", pauseMilliseconds: Int = 0, mediaPort: Int, returnPayloadType: UInt8,
        rtpRangeIndex: Int, codecs: String = "[PCMU, PCMA]", streamExtra: String = "", play: AgentPlay = AgentPlay(),
        transport: String = "u1", rtpExtra: String = "reorder_ms: 60",
        duringCall: @escaping @Sendable (BridgeHarness) async throws -> Void = { _ in }
    ) async throws -> CallRecord {
        let sipp = try #require(ExternalProcess.which("sipp"), "sipp (Debian sip-tester) is required")
        let tcpdump = try #require(ExternalProcess.which("tcpdump"), "tcpdump is required")
        let directory = try temporaryDirectory("sipp")
        let agentAudio = play.bytes
        // A 60 ms reorder window: these tests check the audio byte for byte, and sipp's pacing on
        // a loaded 2-core machine strays past the 20 ms default now and then (the window itself
        // is tested on a manual clock in RTPMediaTests).
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: rtpRangeIndex, codecs: codecs, rtpExtra: rtpExtra, streamExtra: streamExtra
        ) {
            connection in
            Task {
                let start = try await connection.waitFor("start")[0].json
                let streamID = (start["start"] as? [String: Any])?["streamId"] as? String ?? ""
                for offset in stride(from: 0, to: agentAudio.count, by: 1100) {
                    let chunk = Array(agentAudio[offset..<min(offset + 1100, agentAudio.count)])
                    connection.send(json: [
                        "event": "playAudio", "streamId": streamID,
                        "media": [
                            "contentType": play.contentType, "sampleRate": play.sampleRate,
                            "payload": Data(chunk).base64EncodedString(),
                        ],
                    ])
                }
                connection.send(json: ["event": "checkpoint", "streamId": streamID, "name": "all-played"])
            }
        }
        let capture = directory.appendingPathComponent("return.pcap")
        let dump = try ExternalProcess(
            tcpdump, ["-i", "lo", "-n", "-U", "-w", capture.path, "udp and dst port \(mediaPort)"], directory: directory)
        _ = try await poll(timeout: .seconds(10), what: "tcpdump to start") { dump.log.contains("listening on") ? true : nil }

        let template = try String(contentsOf: scenarioURL(scenario), encoding: .utf8)
        let scenarioFile = directory.appendingPathComponent(scenario)
        try template.replacingOccurrences(of: "@AUDIO@", with: audio)
            .replacingOccurrences(of: "@PAUSE_MS@", with: "\(pauseMilliseconds)")
            .write(to: scenarioFile, atomically: true, encoding: .utf8)
        let call = try ExternalProcess(
            sipp,
            [
                "127.0.0.1:\(transport == "t1" ? harness.bridge.sipTCPPort ?? 0 : harness.bridge.sipPort)", "-t", transport,
                "-sf", scenarioFile.path, "-s", "echo", "-i", "127.0.0.1",
                "-p", "\(mediaPort - 100)", "-mi", "127.0.0.1", "-mp", "\(mediaPort)", "-cp", "\(mediaPort - 99)",
                "-m", "1", "-l", "1", "-nostdin", "-timeout", "60s", "-timeout_error", "-trace_err",
            ], directory: directory)
        let observer = Task { try await duringCall(harness) }
        let status = try await call.wait(timeout: .seconds(60))
        #expect(status == 0, "sipp failed: \(call.log)")
        try await observer.value

        let connection = try await harness.agent.connection()
        try await connection.waitClosed()
        try await harness.waitIdle()
        try await Task.sleep(for: .milliseconds(100))
        try await dump.interrupt()
        let packets = try Pcap.udpPackets(in: Array(Data(contentsOf: capture)))
        await harness.stop()
        return CallRecord(
            connection: connection, returned: Pcap.rtpPayloads(packets, payloadType: returnPayloadType), agentAudio: agentAudio)
    }

    static func scenarioURL(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios/\(name)")
    }

    @Test func pcmuCallWithRTPStream() async throws {
        let directory = try temporaryDirectory("pcmu-audio")
        let sent = pattern(24_000, seed: 5)  // 3 s of µ-law, 150 packets of 160 bytes
        let audioFile = directory.appendingPathComponent("caller.ulaw")
        try Data(sent).write(to: audioFile)
        let record = try await Self.runCall(
            scenario: "uac_pcmu_rtp_stream.xml", audio: audioFile.path, pauseMilliseconds: 4000, mediaPort: 42000,
            returnPayloadType: 0, rtpRangeIndex: 5)

        try assertStart(record.connection, encoding: "audio/x-mulaw")
        #expect(record.connection.path.contains("from=sipp"))
        #expect(record.connection.path.contains("to=echo"))
        let media = try assertMediaEvents(record.connection)
        assertCallerAudio(media.payload, equals: sent, thenSilence: 0xFF)
        // 3 s of audio in a 4 s call: the cadence holds for the whole call.
        assertCadence(media.times, atLeast: 190)
        try assertReturnPath(record, expected: record.agentAudio, silence: 0xFF)
    }

    /// The same call with SIP over TCP (`sipp -t t1`): one connection carries every request and
    /// response (RFC 3261 §18); the audio is checked byte for byte as over UDP.
    @Test func pcmuCallOverTCP() async throws {
        let directory = try temporaryDirectory("pcmu-tcp")
        let sent = pattern(16_000, seed: 6)
        let audioFile = directory.appendingPathComponent("caller.ulaw")
        try Data(sent).write(to: audioFile)
        let record = try await Self.runCall(
            scenario: "uac_pcmu_rtp_stream.xml", audio: audioFile.path, pauseMilliseconds: 3000, mediaPort: 43600,
            returnPayloadType: 0, rtpRangeIndex: 46, transport: "t1")
        try assertStart(record.connection, encoding: "audio/x-mulaw")
        let media = try assertMediaEvents(record.connection)
        assertCallerAudio(media.payload, equals: sent, thenSilence: 0xFF)
        try assertReturnPath(record, expected: record.agentAudio, silence: 0xFF)
    }

    /// The same call with `rtp.sockets: per_loop`: the call's RTP arrives on, and leaves from,
    /// its loop's shared port, demultiplexed by sipp's media address; byte for byte both ways.
    @Test func pcmuCallOnASharedLoopSocket() async throws {
        let directory = try temporaryDirectory("pcmu-shared")
        let sent = pattern(16_000, seed: 7)
        let audioFile = directory.appendingPathComponent("caller.ulaw")
        try Data(sent).write(to: audioFile)
        let record = try await Self.runCall(
            scenario: "uac_pcmu_rtp_stream.xml", audio: audioFile.path, pauseMilliseconds: 3000, mediaPort: 41500,
            returnPayloadType: 0, rtpRangeIndex: 79, rtpExtra: "reorder_ms: 60\n  sockets: per_loop"
        ) { harness in
            let socket = try await poll(timeout: .seconds(10), what: "the call in /status") {
                (try await harness.status()["calls"] as? [[String: Any]])?.first?["rtp_socket"] as? String
            }
            #expect(socket == "per_loop")
        }
        try assertStart(record.connection, encoding: "audio/x-mulaw")
        let media = try assertMediaEvents(record.connection)
        assertCallerAudio(media.payload, equals: sent, thenSilence: 0xFF)
        try assertReturnPath(record, expected: record.agentAudio, silence: 0xFF)
    }

    @Test func pcmaCallWithThirtyMillisecondPackets() async throws {
        // SIPp's bundled PCMA capture: 236 packets of 240 bytes (30 ms), re-framed to 20 ms.
        let pcapPath = "/usr/share/sip-tester/g711a.pcap"
        let source = try Pcap.rtpPayloads(Pcap.udpPackets(in: Array(Data(contentsOf: URL(fileURLWithPath: pcapPath)))), payloadType: 8)
        let sentALaw = source.flatMap(\.payload)
        let record = try await Self.runCall(
            scenario: "uac_pcma_pcap.xml", audio: pcapPath, pauseMilliseconds: 7600, mediaPort: 42200,
            returnPayloadType: 8, rtpRangeIndex: 6)

        try assertStart(record.connection, encoding: "audio/x-mulaw")
        let media = try assertMediaEvents(record.connection)
        let frames = sentALaw.count / 160
        // The exact A-law → µ-law mapping; after the caller stops, concealment fades on the
        // decoded signal to true zero, µ-law 0xFF (A-law has no zero: its 0xD5 is +8).
        assertCallerAudio(media.payload, equals: sentALaw.map(G711.aLawToMuLaw), thenSilence: 0xFF)
        assertCadence(media.times, atLeast: frames)
        try assertReturnPath(record, expected: record.agentAudio.map(G711.muLawToALaw), silence: 0xD5)
    }
}
