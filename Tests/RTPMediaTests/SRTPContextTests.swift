import NIOCore
import Testing
import Transcode

@testable import RTPMedia

/// SRTP through libsrtp2 (RFC 3711): the reference packets libsrtp's own validation uses
/// (master key/salt and the SSRC 0xcafebabe packet of `srtp_validate`, AES-128 and AES-256),
/// then what the bridge relies on: both directions, tampering, replay, re-keying, RTCP.
struct SRTPContextTests {
    static let key128: [UInt8] = [
        0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
        0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
    ]
    static let key256: [UInt8] = [
        0xf0, 0xf0, 0x49, 0x14, 0xb5, 0x13, 0xf2, 0x76, 0x3a, 0x1b, 0x1f, 0xa1, 0x30, 0xf1, 0x0e, 0x29,
        0x98, 0xf6, 0xf6, 0xe4, 0x3e, 0x43, 0x09, 0xd1, 0xe6, 0x22, 0xa0, 0xe3, 0x32, 0xb9, 0xf1, 0xb6,
        0x3b, 0x04, 0x80, 0x3d, 0xe5, 0x1e, 0xe7, 0xc9, 0x64, 0x23, 0xab, 0x5b, 0x78, 0xd2,
    ]
    /// V=2, PT 15, sequence 0x1234, timestamp 0xdecafbad, SSRC 0xcafebabe, 16 bytes of 0xab.
    static let plaintext: [UInt8] = [0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe] + Array(repeating: 0xab, count: 16)
    static let ciphertext128: [UInt8] = [
        0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0x4e, 0x55, 0xdc, 0x4c,
        0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d, 0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc,
        0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb,
    ]
    static let ciphertext256: [UInt8] = [
        0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xf1, 0xd9, 0xde, 0x17,
        0xff, 0x25, 0x1f, 0xf1, 0xaa, 0x00, 0x77, 0x74, 0xb0, 0xb4, 0xb4, 0x0d, 0xa0, 0x8d, 0x9d, 0x9a,
        0x5b, 0x3a, 0x55, 0xd8, 0x87, 0x3b,
    ]

    static func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
    static let other = [UInt8](repeating: 7, count: 30)

    @Test(arguments: [
        (SRTPProfile.aesCM128HMACSHA1_80, key128, ciphertext128),
        (SRTPProfile.aesCM128HMACSHA1_32, key128, Array(ciphertext128.prefix(32))),
        (SRTPProfile.aes256CMHMACSHA1_80, key256, ciphertext256),
    ])
    func referencePacketsEncryptAndDecrypt(profile: SRTPProfile, key: [UInt8], expected: [UInt8]) throws {
        let filler = [UInt8](repeating: 1, count: profile.keyingLength)
        let sender = try SRTPContext(profile: profile, localKey: key, remoteKey: filler)
        var packet = Self.buffer(Self.plaintext)
        try sender.protectRTP(&packet)
        #expect(Array(packet.readableBytesView) == expected)

        let receiver = try SRTPContext(profile: profile, localKey: filler, remoteKey: key)
        try receiver.unprotectRTP(&packet)
        #expect(Array(packet.readableBytesView) == Self.plaintext)
    }

    @Test func aPacketWithAReaderOffsetIsTransformedInPlace() throws {
        let sender = try SRTPContext(profile: .aesCM128HMACSHA1_80, localKey: Self.key128, remoteKey: Self.other)
        var packet = ByteBuffer(bytes: [0xff, 0xff, 0xff] + Self.plaintext)
        packet.moveReaderIndex(forwardBy: 3)
        try sender.protectRTP(&packet)
        #expect(Array(packet.readableBytesView) == Self.ciphertext128)
    }

    @Test func aTamperedOrForeignPacketFailsAuthentication() throws {
        let sender = try SRTPContext(profile: .aesCM128HMACSHA1_80, localKey: Self.key128, remoteKey: Self.other)
        let receiver = try SRTPContext(profile: .aesCM128HMACSHA1_80, localKey: Self.other, remoteKey: Self.key128)
        var packet = Self.buffer(Self.plaintext)
        try sender.protectRTP(&packet)
        var tampered = packet
        tampered.setInteger(UInt8(0x00), at: 20)
        #expect(throws: SRTPError.authenticationFailed) { try receiver.unprotectRTP(&tampered) }
        var plain = Self.buffer(Self.plaintext)
        #expect(throws: SRTPError.authenticationFailed) { try receiver.unprotectRTP(&plain) }
        // The genuine packet still passes after the failures, once; its replay does not.
        var replay = packet
        try receiver.unprotectRTP(&packet)
        #expect(throws: SRTPError.replayed) { try receiver.unprotectRTP(&replay) }
    }

    @Test func reKeyingTheInboundDirectionKeepsTheOutboundIndex() throws {
        let bridge = try SRTPContext(profile: .aesCM128HMACSHA1_80, localKey: Self.key128, remoteKey: Self.other)
        let newKey = [UInt8](repeating: 9, count: 30)
        try bridge.rekeyInbound(remoteKey: newKey)
        let caller = try SRTPContext(profile: .aesCM128HMACSHA1_80, localKey: newKey, remoteKey: Self.key128)
        var fromCaller = Self.buffer(Self.plaintext)
        try caller.protectRTP(&fromCaller)
        try bridge.unprotectRTP(&fromCaller)
        #expect(Array(fromCaller.readableBytesView) == Self.plaintext)
        var fromBridge = Self.buffer(Self.plaintext)
        try bridge.protectRTP(&fromBridge)
        #expect(Array(fromBridge.readableBytesView) == Self.ciphertext128, "the bridge's own key is unchanged")
    }

    @Test func rtcpRoundTripsWithAnIndexAndAnEightyBitTag() throws {
        let sender = try SRTPContext(profile: .aesCM128HMACSHA1_32, localKey: Self.key128, remoteKey: Self.other)
        let receiver = try SRTPContext(profile: .aesCM128HMACSHA1_32, localKey: Self.other, remoteKey: Self.key128)
        let report: [UInt8] = [0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe] + Array(repeating: 0xab, count: 16)
        var packet = Self.buffer(report)
        try sender.protectRTCP(&packet)
        // RFC 3711 §3.4: E flag + 31-bit index, then a 10-byte tag (RFC 4568 §6.2.2 for _32).
        #expect(packet.readableBytes == report.count + 4 + 10)
        #expect(packet.getInteger(at: report.count, as: UInt32.self) == 0x8000_0001)
        try receiver.unprotectRTCP(&packet)
        #expect(Array(packet.readableBytesView) == report)
    }

    @Test func aKeyOfTheWrongLengthIsRefused() {
        #expect(throws: SRTPError.badKeyLength(expected: 46, got: 30)) {
            _ = try SRTPContext(profile: .aes256CMHMACSHA1_80, localKey: Self.key128, remoteKey: Self.key128)
        }
    }
}
