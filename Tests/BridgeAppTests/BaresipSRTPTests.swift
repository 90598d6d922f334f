import Foundation
import Testing
import TestSupport
import Transcode

@testable import BridgeApp

/// SRTP interop with an independent stack (issue 8): baresip 1.0.0 (Debian `baresip-core`),
/// whose `srtp` module is libre's own RFC 3711 code, not libsrtp2, calls the bridge over SIP TLS
/// with `mediaenc=srtp-mand` (`RTP/SAVP`, one `AES_CM_128_HMAC_SHA1_80` line) and plays a 440 Hz
/// tone; the AI server echoes it. The tone must reach the AI server decrypted and come back to
/// baresip, which decrypts and records it.
///
/// baresip sends two RTCP packets in clear (an APP "PING" before SRTP starts and, racing the
/// teardown, BYE+SDES after it stopped SRTP): the bridge drops them and counts them in
/// `srtpFailures`, so up to 2 are expected; no SRTP packet may fail.
@Suite(.serialized)
struct BaresipSRTPTests {
    /// 3 s of a 440 Hz tone at −6 dBFS, 8 kHz mono 16-bit WAV (what baresip's aufile reads).
    private static func toneWAV() -> Data {
        let samples = SignalAnalysis.sine(frequency: 440, amplitude: 16_000, rate: 8000, count: 24_000)
        var data = Data("RIFF".utf8)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        append(UInt32(36 + samples.count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16))
        append(UInt16(1))  // PCM
        append(UInt16(1))  // mono
        append(UInt32(8000))
        append(UInt32(16_000))
        append(UInt16(2))
        append(UInt16(16))
        data.append(contentsOf: Array("data".utf8))
        append(UInt32(samples.count * 2))
        data.append(contentsOf: SignalAnalysis.littleEndianBytes(samples))
        return data
    }

    /// The samples of a 16-bit PCM WAV file (its `data` chunk).
    private static func wavSamples(_ data: Data) -> [Int16] {
        let bytes = [UInt8](data)
        var index = 12
        while index + 8 <= bytes.count {
            let size = Int(bytes[index + 4]) | Int(bytes[index + 5]) << 8 | Int(bytes[index + 6]) << 16 | Int(bytes[index + 7]) << 24
            if bytes[index..<index + 4].elementsEqual(Array("data".utf8)) {
                return SignalAnalysis.samples(l16: Array(bytes[(index + 8)..<min(bytes.count, index + 8 + size)]), bigEndian: false)
            }
            index += 8 + size + (size & 1)
        }
        return []
    }

    /// The 40 ms windows that carry sound (RMS above −30 dBFS), and how many of those are the
    /// 440 Hz tone (a fitted sine explains ≥ 90 % of their power). Windows, not one long fit:
    /// under load the echo reaches the caller with a few gaps of silence, and each gap shifts
    /// the tone's phase, which a single fit over a second would count against it. Decryption
    /// with a wrong key or a misread packet gives noise, which no window fits; the test wants a
    /// second of tonal windows and two thirds of the loud ones tonal (a window across a gap is
    /// loud but not a pure tone).
    private static func toneWindows(_ samples: [Int16]) -> (loud: Int, tonal: Int) {
        var loud = 0
        var tonal = 0
        for start in stride(from: 0, to: samples.count - 320, by: 320) {
            let window = samples[start..<start + 320]
            let power = window.reduce(0.0) { $0 + Double($1) * Double($1) } / 320
            guard power.squareRoot() > 1000 else { continue }
            loud += 1
            let fit = SignalAnalysis.tone(window, frequency: 440, rate: 8000)
            if fit.purity > 0.9 && fit.amplitude > 8000 { tonal += 1 }
        }
        return (loud, tonal)
    }

    @Test func baresipCallsOverTLSWithSRTPAndHearsItsToneEchoed() async throws {
        let baresip = try #require(ExternalProcess.which("baresip"), "baresip (Debian baresip-core) is required")
        let certificates = try await TestCertificates.make()
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 70, listen: "[\"udp://127.0.0.1:0\", \"tls://127.0.0.1:0\"]",
            sipExtra: "tls: { certificate: \"\(certificates.serverCertificate)\", private_key: \"\(certificates.serverKey)\" }")
        let tlsPort = try #require(harness.bridge.sipTLSPort)
        let directory = try temporaryDirectory("baresip")
        let configuration = directory.appendingPathComponent("bs")
        let recordings = directory.appendingPathComponent("rec")
        try FileManager.default.createDirectory(at: configuration, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: recordings, withIntermediateDirectories: true)
        let tone = directory.appendingPathComponent("tone.wav")
        try Self.toneWAV().write(to: tone)
        // Ports 43850-43869: baresip's SIP (UDP 43850, TLS 43851) and RTP.
        try """
            poll_method\tepoll
            sip_listen\t127.0.0.1:43850
            sip_cafile\t\(certificates.caCertificate)
            net_interface\t127.0.0.1
            audio_player\taubridge,null
            audio_source\taufile,\(tone.path)
            audio_alert\taubridge,null
            audio_level\tno
            rtp_ports\t43852-43869
            module_path\t/usr/lib/baresip/modules
            module\tg711.so
            module\taufile.so
            module\taubridge.so
            module\tsndfile.so
            module\tsrtp.so
            module_app\taccount.so
            module_app\tmenu.so
            snd_path\t\(recordings.path)

            """.write(to: configuration.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        try "<sip:bridgetest@127.0.0.1;transport=tls>;regint=0;audio_codecs=PCMU;mediaenc=srtp-mand\n"
            .write(to: configuration.appendingPathComponent("accounts"), atomically: true, encoding: .utf8)
        try "".write(to: configuration.appendingPathComponent("contacts"), atomically: true, encoding: .utf8)

        // The AI server echoes every caller frame back.
        let echo = Task {
            let agent = try await harness.agent.connection(timeout: .seconds(20))
            var echoed = 0
            while !Task.isCancelled && !agent.isClosed {
                let media = agent.events("media")
                for message in media.dropFirst(echoed) {
                    guard let payload = (message.json["media"] as? [String: Any])?["payload"] as? String else { continue }
                    agent.send(json: ["event": "playAudio", "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": payload]])
                }
                echoed = media.count
                try await Task.sleep(for: .milliseconds(10))
            }
            return agent
        }
        let phone = try ExternalProcess.withDefaultSignals(
            baresip, ["-f", configuration.path, "-v", "-e", "/dial sip:test@127.0.0.1:\(tlsPort)", "-t", "6"], directory: directory)

        // Mid-call: the leg is SRTP and packets flow both ways.
        let media = try await poll(timeout: .seconds(15), what: "an SRTP call with media both ways") { () -> (srtp: String?, failures: Int)? in
            guard let call = (try await harness.status()["calls"] as? [[String: Any]])?.first,
                let media = call["media"] as? [String: Any], (media["packetsIn"] as? Int ?? 0) > 50, (media["packetsOut"] as? Int ?? 0) > 50
            else { return nil }
            return (media["srtp"] as? String, media["srtpFailures"] as? Int ?? 99)
        }
        #expect(media.srtp == "AES_CM_128_HMAC_SHA1_80")
        #expect(media.failures <= 2, "only baresip's clear-text RTCP may fail")
        _ = try await phone.wait(timeout: .seconds(30))
        let agent = try await echo.value

        // Caller → AI: the decrypted µ-law is baresip's tone.
        let heard = agent.events("media").compactMap { ($0.json["media"] as? [String: Any])?["payload"] as? String }
            .compactMap { Data(base64Encoded: $0) }.flatMap { $0 }.map { MuLaw.decode($0) }
        #expect(heard.count >= 16_000, "at least 2 s of caller audio, got \(heard.count) samples")
        let inbound = Self.toneWindows(Array(heard.dropFirst(4000)))
        #expect(inbound.tonal >= 25 && inbound.tonal * 3 >= inbound.loud * 2, "caller tone at the AI server: \(inbound)")

        // AI → caller: baresip decrypted the echo and recorded the tone.
        let decoded = try #require(
            try FileManager.default.contentsOfDirectory(atPath: recordings.path).first { $0.hasSuffix("-dec.wav") },
            "baresip's recording of what it received; log:\n\(phone.log.suffix(3000))")
        let samples = Self.wavSamples(try Data(contentsOf: recordings.appendingPathComponent(decoded)))
        #expect(samples.count >= 16_000)
        let outbound = Self.toneWindows(Array(samples.dropFirst(4000)))
        #expect(outbound.tonal >= 25 && outbound.tonal * 3 >= outbound.loud * 2, "echoed tone at baresip: \(outbound)")
        #expect(phone.log.contains("SRTP is Enabled"), "baresip's own view of the call")
        #expect(!phone.log.contains("failed to decrypt"))
        try await harness.waitIdle()
        await harness.stop()
    }
}
