import NIOCore
import Testing

@testable import RTPMedia

/// Malformed datagrams: each must be refused with the RFC 3550 error that names the fault,
/// never a crash and never a silently wrong payload.
@Suite struct RTPPacketErrorTests {
    /// Every optional part at once, 40 octets, chosen so that every truncation is detectable:
    /// the payload octets are all larger than any payload a cut could leave, so a cut inside
    /// the payload reads an impossible padding count.
    static let everything: [UInt8] = [
        0xB2, 0x80,  // V=2, P=1, X=1, CC=2 | M=1, PT=0
        0xFF, 0xFF,  // sequence number 65535
        0x00, 0x00, 0x00, 0xA0,  // timestamp 160
        0x01, 0x02, 0x03, 0x04,  // SSRC
        0x0A, 0x0A, 0x0A, 0x0A,  // CSRC 1
        0x0B, 0x0B, 0x0B, 0x0B,  // CSRC 2
        0x10, 0x00, 0x00, 0x02,  // extension profile 0x1000 | length 2 words
        0x21, 0x22, 0x23, 0x24,  // extension word 1
        0x25, 0x26, 0x27, 0x28,  // extension word 2
        0xDE, 0xAD, 0xBE, 0xEF,  // payload
        0x00, 0x00, 0x00, 0x04,  // padding, count 4
    ]

    private func parse(_ bytes: [UInt8]) throws(RTPMediaError) -> RTPPacket {
        try RTPPacket(parsing: ByteBuffer(bytes: bytes))
    }

    @Test func everythingParsesWhenComplete() throws {
        let packet = try parse(Self.everything)
        #expect(packet.header.marker)
        #expect(packet.header.sequenceNumber == 0xFFFF)
        #expect(packet.header.csrcs == [0x0A0A_0A0A, 0x0B0B_0B0B])
        #expect(packet.header.extensionProfile == 0x1000)
        #expect(packet.payload.bytes == [0xDE, 0xAD, 0xBE, 0xEF])
    }

    /// Cut at every length: the error names the part that no longer fits. The datagram sits
    /// behind a non-zero reader index so that absolute-offset bugs show up too.
    @Test(arguments: 0..<40)
    func truncatedAtEveryLength(length: Int) {
        var datagram = ByteBuffer(bytes: [0x99, 0x99] + Self.everything[0..<length])
        datagram.moveReaderIndex(forwardBy: 2)
        let expected: RTPMediaError =
            switch length {
            case 0..<12: .truncated(needed: 12, available: length)
            case 12..<20: .truncated(needed: 20, available: length)  // two CSRCs
            case 20..<24: .truncated(needed: 24, available: length)  // extension header
            case 24..<32: .truncated(needed: 32, available: length)  // extension words
            default: .badPadding(Int(Self.everything[length - 1]))  // last octet read as the count
            }
        #expect(throws: expected) { try RTPPacket(parsing: datagram) }
    }

    /// A packet without the P bit cut anywhere never crashes the parser (a cut inside its
    /// payload is indistinguishable from a shorter payload: UDP carries no RTP length).
    @Test func truncationNeverCrashesWithoutPadding() {
        var bytes = Self.everything
        bytes[0] = 0x92  // P cleared
        for length in 0...bytes.count {
            let result = Result { () throws(RTPMediaError) in try parse(Array(bytes[0..<length])) }
            if length < 32 {
                #expect(throws: RTPMediaError.self, "length \(length)") { try result.get() }
            } else {
                #expect((try? result.get())?.payload.readableBytes == length - 32, "length \(length)")
            }
        }
    }

    @Test func paddingCountZeroIsRefused() {
        var bytes = RTPPacketVectorTests.padded
        bytes[bytes.count - 1] = 0
        #expect(throws: RTPMediaError.badPadding(0)) { try parse(bytes) }
    }

    @Test func paddingLongerThanPayloadIsRefused() {
        // Six octets after the header, the count claims seven.
        var bytes = RTPPacketVectorTests.padded
        bytes[bytes.count - 1] = 7
        #expect(throws: RTPMediaError.badPadding(7)) { try parse(bytes) }
    }

    @Test func paddingBitWithNoPayloadIsRefused() {
        // The count would be read from the SSRC: there is no room for padding at all.
        var bytes = Array(RTPPacketVectorTests.minimalPCMU[0..<12])
        bytes[0] = 0xA0
        #expect(throws: RTPMediaError.badPadding(0x44)) { try parse(bytes) }
    }

    @Test(arguments: [(UInt8(0x00), UInt8(0)), (0x40, 1), (0xC0, 3), (0x7F, 1), (0xFF, 3)])
    func versionOtherThanTwoIsRefused(first: UInt8, version: UInt8) {
        var bytes = RTPPacketVectorTests.minimalPCMU
        bytes[0] = first
        #expect(throws: RTPMediaError.unsupportedVersion(version)) { try parse(bytes) }
    }

    @Test func extensionLengthBeyondDatagramIsRefused() {
        var bytes = RTPPacketVectorTests.withExtension
        bytes[15] = 0xFF  // 255 words claimed, 2 present
        #expect(throws: RTPMediaError.truncated(needed: 16 + 4 * 255, available: bytes.count)) { try parse(bytes) }
    }

    @Test func csrcCountBeyondDatagramIsRefused() {
        var bytes = RTPPacketVectorTests.minimalPCMU
        bytes[0] = 0x8F  // 15 CSRCs claimed, 4 octets follow
        #expect(throws: RTPMediaError.truncated(needed: 12 + 60, available: 16)) { try parse(bytes) }
    }

    @Test func errorsCiteTheRFC() {
        let errors: [RTPMediaError] = [.truncated(needed: 12, available: 3), .unsupportedVersion(1), .badPadding(0)]
        for error in errors {
            #expect(error.description.contains("RFC 3550 §5.1"), "\(error)")
        }
        #expect(RTPMediaError.truncated(needed: 12, available: 3) != .truncated(needed: 12, available: 4))
    }
}
