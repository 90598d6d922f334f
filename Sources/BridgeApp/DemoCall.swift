import Foundation
import NIOCore
import NIOPosix
import Transcode

/// `sipbridge demo --call`: one short test call placed with sipp (Debian `sip-tester`) the way
/// a carrier would — INVITE with a PCMU offer, a 440 Hz tone as RTP (3 s by default), BYE — through the
/// bridge to the embedded echo agent and back, then a summary of what each leg carried.
enum DemoCall {
    /// Places the call and returns the summary text (or why it could not be placed).
    static func run(bridge: Bridge, seconds: Int = 3) async -> String {
        guard let sipp = executable("sipp") else {
            return "Test call skipped: sipp not found (Debian: apt-get install sip-tester).\n"
        }
        do {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sipbridge-demo-call-\(getpid())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let audio = directory.appendingPathComponent("tone-440hz.ulaw")
            try Data(tone(seconds: seconds)).write(to: audio)
            let scenario = directory.appendingPathComponent("demo-call.xml")
            try scenarioText(audio: audio.path, pauseMilliseconds: seconds * 1000 + 500).write(to: scenario, atomically: true, encoding: .utf8)
            var ports: [Int] = []
            for _ in 0..<3 { ports.append(try await freeUDPPort()) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: sipp)
            process.arguments = [
                "\(bridge.advertisedAddress):\(bridge.sipPort)", "-sf", scenario.path, "-s", "echo", "-m", "1", "-l", "1",
                "-i", "127.0.0.1", "-p", "\(ports[0])", "-mi", "127.0.0.1", "-mp", "\(ports[1] & ~1)", "-cp", "\(ports[2])",
                "-nostdin", "-timeout", "30", "-timeout_error", "-trace_err", "-error_file", directory.appendingPathComponent("errors.log").path,
            ]
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            var last: CallSnapshot?
            let deadline = ContinuousClock.now + .seconds(seconds + 37)
            while process.isRunning && ContinuousClock.now < deadline {
                if let snapshot = await bridge.registry.snapshots().first { last = snapshot }
                try await Task.sleep(for: .milliseconds(100))
            }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let errors = (try? String(contentsOf: directory.appendingPathComponent("errors.log"), encoding: .utf8)) ?? ""
            return summary(exitCode: process.terminationStatus, last: last, errors: errors, seconds: seconds)
        } catch {
            return "Test call failed to start: \(error)\n"
        }
    }

    static func summary(exitCode: Int32, last: CallSnapshot?, errors: String, seconds: Int = 3) -> String {
        var lines = ["", "Test call (sipp → bridge → echo agent → back):"]
        lines.append(exitCode == 0 ? "  sipp:        call succeeded (INVITE/200/ACK, \(seconds) s of tone, BYE/200)"
            : "  sipp:        call FAILED (exit \(exitCode)) \(errors.split(separator: "\n").suffix(3).joined(separator: " | "))")
        if let call = last {
            let media = call.media
            lines.append("  call:        \(call.callID) route \(call.route), codec \(call.codec)")
            lines.append("  caller → AI: \(media.packetsIn) RTP packets → \(media.mediaSent) media events")
            lines.append("  AI → caller: \(media.playAudioReceived) playAudio → \(media.packetsOut) RTP packets, \(media.audioFramesOut) with the echoed audio, \(media.playoutUnderruns) underruns")
            lines.append(String(
                format: "  quality:     lost %d, late %d, jitter %.1f ms, MOS %@", media.lost, media.late, media.jitterMilliseconds,
                media.mos.map { String(format: "%.2f", $0) } ?? "-"))
            lines.append("  (figures as of the call's last 0.1 s; its call record line has the final ones)")
        } else {
            lines.append("  the bridge saw no call")
        }
        return lines.joined(separator: "\n") + "\n\n"
    }

    /// `seconds` of a 440 Hz tone at −12 dBFS, µ-law (RFC 3551 PCMU), for sipp's `rtp_stream`.
    static func tone(seconds: Int = 3) -> [UInt8] {
        (0..<8000 * seconds).map { index in
            MuLaw.encode(Int16((8231 * sin(2 * Double.pi * 440 * Double(index) / 8000)).rounded()))
        }
    }

    private static func executable(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A UDP port the kernel had free a moment ago, for sipp's sockets.
    private static func freeUDPPort() async throws -> Int {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        guard let port = channel.localAddress?.port else { throw CocoaError(.fileReadUnknown) }
        return port
    }

    private static func scenarioText(audio: String, pauseMilliseconds: Int) -> String {
        let headers = """
            Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
                  From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
            """
        return """
            <?xml version="1.0" encoding="ISO-8859-1" ?>
            <scenario name="sipbridge demo call">
              <send retrans="500"><![CDATA[
                  INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
                  \(headers)
                  To: <sip:[service]@[remote_ip]:[remote_port]>
                  Call-ID: [call_id]
                  CSeq: 1 INVITE
                  Contact: <sip:sipp@[local_ip]:[local_port]>
                  Max-Forwards: 70
                  Content-Type: application/sdp
                  Content-Length: [len]

                  v=0
                  o=sipp 1 1 IN IP[local_ip_type] [local_ip]
                  s=-
                  c=IN IP[media_ip_type] [media_ip]
                  t=0 0
                  m=audio [media_port] RTP/AVP 0
                  a=rtpmap:0 PCMU/8000
                  a=ptime:20
              ]]></send>
              <recv response="100" optional="true"/>
              <recv response="180" optional="true"/>
              <recv response="183" optional="true"/>
              <recv response="200" rtd="true"/>
              <send><![CDATA[
                  ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
                  \(headers)
                  To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
                  Call-ID: [call_id]
                  CSeq: 1 ACK
                  Max-Forwards: 70
                  Content-Length: 0
              ]]></send>
              <nop><action><exec rtp_stream="\(audio),1,0"/></action></nop>
              <pause milliseconds="\(pauseMilliseconds)"/>
              <send retrans="500"><![CDATA[
                  BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
                  \(headers)
                  To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
                  Call-ID: [call_id]
                  CSeq: 2 BYE
                  Max-Forwards: 70
                  Content-Length: 0
              ]]></send>
              <recv response="200" crlf="true"/>
            </scenario>
            """
    }
}
