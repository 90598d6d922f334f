import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import RTPMedia
import Testing
import TestSupport
import Transcode

@testable import BridgeApp

/// SRTP on the caller's leg (issue 8; RFC 3711 keyed by SDES, RFC 4568) over TLS signalling:
/// the answer carries `RTP/SAVP` and the bridge's own key under the offer's tag; the caller's
/// SRTP reaches the AI server as plain audio byte for byte and the AI's audio reaches the caller
/// as SRTP that decrypts to the same bytes; a forged packet is dropped and counted. Keys never
/// travel over a hop that is not TLS unless the operator says so.
@Suite(.serialized)
struct SRTPCallTests {
    static let suite = "AES_CM_128_HMAC_SHA1_80"

    private static func harness(_ certificates: TestCertificates, rtpRangeIndex: Int, rtpExtra: String = "") async throws -> BridgeHarness {
        try await BridgeHarness.start(
            rtpRangeIndex: rtpRangeIndex, rtpExtra: rtpExtra, listen: "[\"udp://127.0.0.1:0\", \"tcp://127.0.0.1:0\", \"tls://127.0.0.1:0\"]",
            sipExtra: "tls: { certificate: \"\(certificates.serverCertificate)\", private_key: \"\(certificates.serverKey)\" }")
    }

    private static func invite(
        callID: String, transport: String, localPort: Int, rtpPort: Int, key: [UInt8], proto: String = "RTP/SAVP", cseq: Int = 1,
        toTag: String? = nil, suite: String = suite, version: Int = 1
    ) -> String {
        let sdp = [
            "v=0", "o=carrier 1 \(version) IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
            "m=audio \(rtpPort) \(proto) 0", "a=rtpmap:0 PCMU/8000",
            // An unusable line first (MKI), then the one to take, with lifetime and a window hint.
            "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:\(Data(key).base64EncodedString())|2^31|1:4",
            "a=crypto:3 \(suite) inline:\(Data(key).base64EncodedString())|2^31 WSH=128", "a=sendrecv",
        ].joined(separator: "\r\n") + "\r\n"
        return request("INVITE", callID: callID, transport: transport, cseq: cseq, localPort: localPort, toTag: toTag, extra: ["Content-Type: application/sdp"], body: sdp)
    }

    private static func request(
        _ method: String, callID: String, transport: String, cseq: Int, localPort: Int, toTag: String?, extra: [String] = [], body: String = ""
    ) -> String {
        ([
            "\(method) sip:agent@127.0.0.1;transport=\(transport.lowercased()) SIP/2.0",
            "Via: SIP/2.0/\(transport) 127.0.0.1:\(localPort);branch=z9hG4bK\(method.lowercased())\(cseq);rport",
            "Max-Forwards: 70", "From: <sip:carrier@127.0.0.1>;tag=srtp1", "To: <sip:agent@127.0.0.1>" + (toTag.map { ";tag=\($0)" } ?? ""),
            "Call-ID: \(callID)", "CSeq: \(cseq) \(method)", "Contact: <sip:carrier@127.0.0.1:\(localPort);transport=\(transport.lowercased())>",
        ] + extra + ["Content-Length: \(body.utf8.count)", "", body]).joined(separator: "\r\n")
    }

    private static func clientTLS(_ certificates: TestCertificates) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(certificates.caCertificate)
        configuration.certificateVerification = .noHostnameVerification
        return configuration
    }

    /// The port of the answer's `m=audio` line.
    private static func mediaPort(_ sdp: String) -> Int? {
        sdp.components(separatedBy: "\r\n").first { $0.hasPrefix("m=audio ") }.flatMap { Int($0.split(separator: " ")[1]) }
    }

    /// An RTP packet (RFC 3550 §5.1) built by hand: PCMU, SSRC 0x5eed0001.
    private static func rtp(sequence: UInt16, timestamp: UInt32, payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(0x80))
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(sequence)
        buffer.writeInteger(timestamp)
        buffer.writeInteger(UInt32(0x5eed_0001))
        buffer.writeBytes(payload)
        return buffer
    }

    @Test func srtpCallOverTLSCarriesAudioBothWays() async throws {
        let certificates = try await TestCertificates.make()
        let harness = try await Self.harness(certificates, rtpRangeIndex: 67)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let rtp = try await UDPEndpoint.bind(group: group)
        let client = try await StreamSIPClient.connect(port: try #require(harness.bridge.sipTLSPort), tls: Self.clientTLS(certificates), group: group)
        let callerKey = (0..<30).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
        let callID = "srtp-\(UUID().uuidString)"
        try await client.send(Self.invite(callID: callID, transport: "TLS", localPort: client.localPort, rtpPort: rtp.port, key: callerKey))
        let ok = try await client.receive(what: "200 to the INVITE") { $0.status == 200 && $0.header("CSeq") == "1 INVITE" }
        #expect(ok.body.contains(" RTP/SAVP 0"))
        let crypto = try #require(ok.body.components(separatedBy: "\r\n").first { $0.hasPrefix("a=crypto:") })
        let fields = crypto.dropFirst("a=crypto:".count).split(separator: " ")
        #expect(fields.count == 3 && fields[0] == "3" && fields[1] == Self.suite, "the tag and suite of the line taken: \(crypto)")
        let bridgeKey = try #require(Data(base64Encoded: String(fields[2].dropFirst("inline:".count))).map { Array($0) })
        #expect(bridgeKey.count == 30 && bridgeKey != callerKey)
        let bridgeRTPPort = try #require(Self.mediaPort(ok.body))
        let tag = try #require(ok.header("To")?.components(separatedBy: "tag=").last)
        try await client.send(Self.request("ACK", callID: callID, transport: "TLS", cseq: 1, localPort: client.localPort, toTag: tag))
        let agent = try await harness.agent.connection()
        let streamID = try #require((try await agent.waitFor("start")[0].json["start"] as? [String: Any])?["streamId"] as? String)

        // Caller → AI: SRTP in, the plain audio out, byte for byte.
        let caller = try SRTPContext(profile: .aesCM128HMACSHA1_80, localKey: callerKey, remoteKey: bridgeKey)
        let spoken = (0..<160).map { UInt8(truncatingIfNeeded: $0 * 5 + 3) }
        for index in 0..<5 {
            var packet = Self.rtp(sequence: UInt16(100 + index), timestamp: UInt32(index * 160), payload: spoken)
            try caller.protectRTP(&packet)
            #expect(packet.readableBytes == 12 + 160 + 10)
            try await rtp.send(Array(packet.readableBytesView), toPort: bridgeRTPPort)
        }
        let encoded = Data(spoken).base64EncodedString()
        _ = try await agent.waitFor("media") { (($0.json["media"] as? [String: Any])?["payload"] as? String) == encoded }

        // A packet with a wrong tag (or plain RTP) is dropped and counted, not streamed.
        try await rtp.send(Array(Self.rtp(sequence: 200, timestamp: 800, payload: spoken).readableBytesView) + Array(repeating: 0, count: 10),
            toPort: bridgeRTPPort)

        // AI → caller: the AI's µ-law arrives as SRTP that decrypts to the same bytes.
        let reply = (0..<800).map { UInt8(truncatingIfNeeded: $0 * 13 + 5) | 0x01 }
        agent.send(json: [
            "event": "playAudio", "streamId": streamID,
            "media": ["contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": Data(reply).base64EncodedString()],
        ])
        let sentBefore = rtp.datagrams.count
        _ = try await poll(timeout: .seconds(5), what: "0.5 s of RTP after the reply") { rtp.datagrams.count >= sentBefore + 25 ? true : nil }
        var audio: [UInt8] = []
        for datagram in rtp.datagrams {
            var packet = ByteBuffer(bytes: datagram.bytes)
            try caller.unprotectRTP(&packet)
            audio += packet.readableBytesView.dropFirst(12)
        }
        let begin = try #require(audio.firstIndex(of: reply[0]))
        let heard = Array(audio[begin..<min(audio.count, begin + reply.count)])
        #expect(firstMismatch(heard, reply) == nil)
        #expect(rtp.datagrams.allSatisfy { $0.bytes.count == 12 + 160 + 10 }, "every packet carries the 80-bit tag")

        let status = try await harness.status()
        let media = try #require(((status["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any])
        #expect(media["srtp"] as? String == Self.suite)
        #expect(media["srtpFailures"] as? Int == 1)
        #expect(media["packetsIn"] as? Int == 5)

        try await client.send(Self.request("BYE", callID: callID, transport: "TLS", cseq: 2, localPort: client.localPort, toTag: tag))
        _ = try await client.receive(what: "200 to the BYE") { $0.status == 200 && $0.header("CSeq") == "2 BYE" }
        try await harness.waitIdle()
        await client.close()
        await rtp.close()
        await harness.stop()
        try await group.shutdownGracefully()
    }

    @Test func aReOfferReKeysTheCallersDirectionAndKeepsTheSuite() async throws {
        let certificates = try await TestCertificates.make()
        let harness = try await Self.harness(certificates, rtpRangeIndex: 69)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let rtp = try await UDPEndpoint.bind(group: group)
        let client = try await StreamSIPClient.connect(port: try #require(harness.bridge.sipTLSPort), tls: Self.clientTLS(certificates), group: group)
        let firstKey = [UInt8](repeating: 0x11, count: 30)
        let callID = "rekey-\(UUID().uuidString)"
        let port = client.localPort
        try await client.send(Self.invite(callID: callID, transport: "TLS", localPort: port, rtpPort: rtp.port, key: firstKey))
        let ok = try await client.receive(what: "200 to the INVITE") { $0.status == 200 && $0.header("CSeq") == "1 INVITE" }
        let bridgeRTPPort = try #require(Self.mediaPort(ok.body))
        let bridgeCrypto = ok.body.components(separatedBy: "\r\n").first { $0.hasPrefix("a=crypto:") }
        let tag = try #require(ok.header("To")?.components(separatedBy: "tag=").last)
        try await client.send(Self.request("ACK", callID: callID, transport: "TLS", cseq: 1, localPort: port, toTag: tag))
        let agent = try await harness.agent.connection()
        try await agent.waitFor("start")

        // The caller re-keys: same suite, new key. The bridge keeps its own key and tag line.
        let secondKey = [UInt8](repeating: 0x22, count: 30)
        try await client.send(Self.invite(callID: callID, transport: "TLS", localPort: port, rtpPort: rtp.port, key: secondKey, cseq: 2, toTag: tag, version: 2))
        let reOK = try await client.receive(what: "200 to the re-INVITE") { $0.status == 200 && $0.header("CSeq") == "2 INVITE" }
        #expect(reOK.body.components(separatedBy: "\r\n").first { $0.hasPrefix("a=crypto:") } == bridgeCrypto)
        try await client.send(Self.request("ACK", callID: callID, transport: "TLS", cseq: 2, localPort: port, toTag: tag))
        let bridgeKey = try #require(bridgeCrypto.flatMap { Data(base64Encoded: String($0.split(separator: " ")[2].dropFirst("inline:".count))) })
        let old = try SRTPContext(profile: .aesCM128HMACSHA1_80, localKey: firstKey, remoteKey: Array(bridgeKey))
        let new = try SRTPContext(profile: .aesCM128HMACSHA1_80, localKey: secondKey, remoteKey: Array(bridgeKey))
        let spoken = (0..<160).map { UInt8(truncatingIfNeeded: $0 * 3 + 1) }
        for (index, context) in [old, new, new].enumerated() {
            var packet = Self.rtp(sequence: UInt16(10 + index), timestamp: UInt32(index * 160), payload: spoken)
            try context.protectRTP(&packet)
            try await rtp.send(Array(packet.readableBytesView), toPort: bridgeRTPPort)
        }
        let encoded = Data(spoken).base64EncodedString()
        _ = try await agent.waitFor("media") { (($0.json["media"] as? [String: Any])?["payload"] as? String) == encoded }

        // Another suite in a re-offer is refused; the call goes on.
        try await client.send(Self.invite(
            callID: callID, transport: "TLS", localPort: port, rtpPort: rtp.port, key: secondKey, cseq: 3, toTag: tag,
            suite: "AES_CM_128_HMAC_SHA1_32", version: 3))
        _ = try await client.receive(what: "488 to the re-INVITE") { $0.status == 488 && $0.header("CSeq") == "3 INVITE" }
        // The ACK of a non-2xx answer belongs to the INVITE's transaction (RFC 3261 §17.1.1.3).
        try await client.send(
            Self.request("ACK", callID: callID, transport: "TLS", cseq: 3, localPort: port, toTag: tag)
                .replacingOccurrences(of: "z9hG4bKack3", with: "z9hG4bKinvite3"))
        let media = try #require(((try await harness.status()["calls"] as? [[String: Any]])?.first)?["media"] as? [String: Any])
        #expect(media["srtpFailures"] as? Int == 1, "the packet under the old key")
        #expect(media["packetsIn"] as? Int == 2)

        try await client.send(Self.request("BYE", callID: callID, transport: "TLS", cseq: 4, localPort: port, toTag: tag))
        _ = try await client.receive(what: "200 to the BYE") { $0.status == 200 && $0.header("CSeq") == "4 BYE" }
        try await harness.waitIdle()
        await client.close()
        await rtp.close()
        await harness.stop()
        try await group.shutdownGracefully()
    }

    @Test func keysOverAHopThatIsNotTLSAreRefusedUnlessAllowed() async throws {
        let certificates = try await TestCertificates.make()
        let harness = try await Self.harness(certificates, rtpRangeIndex: 68)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let media = try await UDPEndpoint.bind(group: group)
        let tcpPort = try #require(harness.bridge.sipTCPPort)
        let client = try await StreamSIPClient.connect(port: tcpPort, group: group)
        let key = [UInt8](repeating: 0x42, count: 30)
        try await client.send(Self.invite(callID: "plain-\(UUID().uuidString)", transport: "TCP", localPort: client.localPort, rtpPort: media.port, key: key))
        let refused = try await client.receive(what: "488") { $0.status == 488 }
        #expect(refused.header("Warning")?.hasPrefix("302 sipbridge \"Incompatible transport protocol: SDES keys need TLS") == true)
        // A profile the bridge does not do at all (RTP/SAVPF, RFC 5124) is named in the Warning.
        try await client.send(
            Self.invite(callID: "savpf-\(UUID().uuidString)", transport: "TCP", localPort: client.localPort, rtpPort: media.port, key: key, proto: "RTP/SAVPF", cseq: 7))
        let savpf = try await client.receive(what: "488 to SAVPF") { $0.status == 488 && $0.header("CSeq") == "7 INVITE" }
        #expect(savpf.header("Warning") == "302 sipbridge \"Incompatible transport protocol: RTP/SAVPF is not supported\"")
        await client.close()
        await harness.stop()

        // mode: require does not lift require_tls: the same INVITE over TCP is still refused.
        let strict = try await Self.harness(certificates, rtpRangeIndex: 68, rtpExtra: "srtp: { mode: require }")
        let third = try await StreamSIPClient.connect(port: try #require(strict.bridge.sipTCPPort), group: group)
        try await third.send(Self.invite(callID: "strict-\(UUID().uuidString)", transport: "TCP", localPort: third.localPort, rtpPort: media.port, key: key))
        let strictRefusal = try await third.receive(what: "488 under mode require") { $0.status == 488 }
        #expect(strictRefusal.header("Warning")?.contains("SDES keys need TLS") == true)
        await third.close()
        await strict.stop()

        // With require_tls off, the same INVITE over TCP gets SRTP.
        let open = try await Self.harness(certificates, rtpRangeIndex: 68, rtpExtra: "srtp: { require_tls: false }")
        let second = try await StreamSIPClient.connect(port: try #require(open.bridge.sipTCPPort), group: group)
        let callID = "insecure-\(UUID().uuidString)"
        try await second.send(Self.invite(callID: callID, transport: "TCP", localPort: second.localPort, rtpPort: media.port, key: key))
        let ok = try await second.receive(what: "200") { $0.status == 200 && $0.header("CSeq") == "1 INVITE" }
        #expect(ok.body.contains(" RTP/SAVP 0") && ok.body.contains("a=crypto:3 \(Self.suite) inline:"))
        let tag = try #require(ok.header("To")?.components(separatedBy: "tag=").last)
        try await second.send(Self.request("ACK", callID: callID, transport: "TCP", cseq: 1, localPort: second.localPort, toTag: tag))
        // A plain RTP/AVP offer still works beside it (mode accept).
        try await second.send(
            Self.invite(callID: "avp-\(UUID().uuidString)", transport: "TCP", localPort: second.localPort, rtpPort: media.port, key: key, proto: "RTP/AVP", cseq: 5))
        let plain = try await second.receive(what: "200 to the AVP offer") { $0.status == 200 && $0.header("CSeq") == "5 INVITE" }
        #expect(plain.body.contains(" RTP/AVP 0") && !plain.body.contains("a=crypto"))
        try await second.send(Self.request("BYE", callID: callID, transport: "TCP", cseq: 2, localPort: second.localPort, toTag: tag))
        await second.close()
        await open.stop()
        await media.close()
        try await group.shutdownGracefully()
    }
}
