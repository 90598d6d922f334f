import Foundation
import Testing
import Transcode

@testable import SIPIngress

/// SDES (RFC 4568): `a=crypto` parsing with the RFC's own examples, which line an offer/answer
/// takes under each policy, and the answer the bridge writes.
@Suite struct SDESOfferAnswerTests {
    private func offer(_ lines: [String]) throws -> SessionDescription {
        let head = ["v=0", "o=caller 1 1 IN IP4 192.0.2.10", "s=-", "c=IN IP4 192.0.2.10", "t=0 0"]
        return try OSIPCodec.parseSessionDescription(Array(((head + lines).joined(separator: "\r\n") + "\r\n").utf8))
    }

    /// RFC 4568 §9.1's example key (30 bytes).
    static let exampleKey = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

    @Test func theRFCsExampleLinesParse() throws {
        // §9.1 example: a lifetime of 2^20 and an MKI of 1 in 4 bytes.
        let line = try #require(CryptoAttribute("1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.exampleKey)|2^20|1:4"))
        #expect(line.tag == 1 && line.suite == "AES_CM_128_HMAC_SHA1_80")
        #expect(line.keys.count == 1 && line.keys[0].keyAndSalt.count == 30)
        #expect(line.keys[0].lifetime == 1 << 20 && line.keys[0].mki == CryptoAttribute.MKI(value: 1, length: 4))
        #expect(line.usableKey == nil, "MKI is not supported: the line is skipped")
        #expect(line.value == "1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.exampleKey)|1048576|1:4")

        // §5.1: two keys with MKIs, and a session parameter.
        let two = try #require(CryptoAttribute(
            "2 AES_CM_128_HMAC_SHA1_32 inline:\(Self.exampleKey)|2^20|1:4;inline:\(Self.exampleKey)|2^20|2:4 FEC_ORDER=FEC_SRTP"))
        #expect(two.keys.count == 2 && two.sessionParameters == ["FEC_ORDER=FEC_SRTP"] && two.usableKey == nil)

        let plain = try #require(CryptoAttribute("9 AES_CM_128_HMAC_SHA1_32 inline:\(Self.exampleKey) WSH=64"))
        #expect(plain.usableKey?.profile == .aesCM128HMACSHA1_32 && plain.usableKey?.keyAndSalt.count == 30)
    }

    @Test(arguments: [
        "", "1", "1 AES_CM_128_HMAC_SHA1_80", "x AES_CM_128_HMAC_SHA1_80 inline:\(exampleKey)",
        "1234567890 AES_CM_128_HMAC_SHA1_80 inline:\(exampleKey)", "1 AES_CM_128_HMAC_SHA1_80 key:\(exampleKey)",
        "1 AES_CM_128_HMAC_SHA1_80 inline:", "1 AES_CM_128_HMAC_SHA1_80 inline:!!!!", "1 AES_CM_128_HMAC_SHA1_80 inline:\(exampleKey)|2^99",
        "1 AES_CM_128_HMAC_SHA1_80 inline:\(exampleKey)|1:0", "1 AES_CM_128_HMAC_SHA1_80 inline:\(exampleKey)|1|2|3",
    ])
    func malformedLinesAreNotAttributes(text: String) {
        #expect(CryptoAttribute(text) == nil)
    }

    @Test func unusableLinesAreSkipped() throws {
        let short = Data(repeating: 1, count: 16).base64EncodedString()
        for text in [
            "1 F8_128_HMAC_SHA1_80 inline:\(Self.exampleKey)",  // a suite libsrtp2 does not do
            "1 AES_256_CM_HMAC_SHA1_80 inline:\(Self.exampleKey)",  // 30 bytes for a 46-byte suite
            "1 AES_CM_128_HMAC_SHA1_80 inline:\(short)",
            "1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.exampleKey) UNENCRYPTED_SRTP",
        ] {
            #expect(try #require(CryptoAttribute(text)).usableKey == nil, "\(text)")
        }
        // A 46-byte key without its `=` padding is accepted.
        let unpadded = Data(repeating: 3, count: 46).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(CryptoAttribute("4 AES_256_CM_HMAC_SHA1_80 inline:\(unpadded)")?.usableKey?.profile == .aes256CMHMACSHA1_80)
    }

    @Test func savpTakesTheFirstUsableLineAndAnswersUnderItsTag() throws {
        let sdp = try offer([
            "m=audio 49170 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.exampleKey)|2^20|1:4",
            "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:\(Self.exampleKey)", "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:\(Self.exampleKey)",
        ])
        let media = try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu], srtp: .accept)
        let keys = try #require(media.srtp)
        #expect(keys.tag == 2 && keys.profile == .aesCM128HMACSHA1_32)
        #expect(keys.remoteKey == Array(Data(base64Encoded: Self.exampleKey)!))
        #expect(keys.localKey.count == 30 && keys.localKey != keys.remoteKey)
        #expect(try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu], srtp: .accept).srtp?.localKey != keys.localKey, "fresh keys")

        let answer = OfferAnswer.answer(to: sdp, media: media, address: "198.51.100.1", port: 30000, sessionID: 7)
        #expect(answer.contains("m=audio 30000 RTP/SAVP 0\r\n"))
        #expect(answer.contains("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:\(Data(keys.localKey).base64EncodedString())\r\n"))

        // A re-offer keeps the bridge's key for the same suite.
        let again = try OfferAnswer.negotiate(offer: sdp, preferences: [.pcmu], srtp: .require, localKey: keys)
        #expect(again.srtp?.localKey == keys.localKey)
    }

    @Test func thePolicyDecidesWhichProfilesAreAnswered() throws {
        let savp = try offer(["m=audio 49170 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.exampleKey)"])
        let avp = try offer(["m=audio 49170 RTP/AVP 0"])
        let keyless = try offer(["m=audio 49170 RTP/SAVP 0"])
        #expect(throws: SIPIngressError.noCommonCodec) { _ = try OfferAnswer.negotiate(offer: savp, preferences: [.pcmu]) }
        #expect(throws: SIPIngressError.noCommonCodec) { _ = try OfferAnswer.negotiate(offer: avp, preferences: [.pcmu], srtp: .require) }
        #expect(throws: SIPIngressError.noCommonCodec) { _ = try OfferAnswer.negotiate(offer: keyless, preferences: [.pcmu], srtp: .accept) }
        #expect(try OfferAnswer.negotiate(offer: avp, preferences: [.pcmu], srtp: .accept).srtp == nil)
        // Two streams, SRTP first: `refuse` takes the plain one, `accept` the SRTP one.
        let both = try offer([
            "m=audio 49170 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.exampleKey)", "m=audio 49172 RTP/AVP 0",
        ])
        #expect(try OfferAnswer.negotiate(offer: both, preferences: [.pcmu]).mediaIndex == 1)
        #expect(try OfferAnswer.negotiate(offer: both, preferences: [.pcmu], srtp: .accept).mediaIndex == 0)
    }
}
