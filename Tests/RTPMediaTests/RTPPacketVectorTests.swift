import NIOCore
import Testing

@testable import RTPMedia

/// RFC 3550 §5.1 / §5.3.1 byte vectors, written by hand from the header diagram rather than
/// with the writer under test:
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers             |
/// ```
@Suite struct RTPPacketVectorTests {
    /// V=2 P=0 X=0 CC=0, M=0 PT=0 (PCMU), four payload octets.
    static let minimalPCMU: [UInt8] = [
        0x80, 0x00,  // V=2, P=0, X=0, CC=0 | M=0, PT=0
        0x12, 0x34,  // sequence number 0x1234
        0x00, 0x01, 0xE2, 0x40,  // timestamp 123456
        0x11, 0x22, 0x33, 0x44,  // SSRC
        0xFF, 0xFE, 0x7F, 0x00,  // payload
    ]

    /// M=1 PT=8 (PCMA), sequence number and timestamp at their maxima.
    static let markerPCMA: [UInt8] = [
        0x80, 0x88,  // V=2, CC=0 | M=1, PT=8
        0xFF, 0xFF,  // sequence number 65535
        0xFF, 0xFF, 0xFF, 0xFF,  // timestamp 2^32 - 1
        0x00, 0x00, 0x00, 0x01,  // SSRC 1
        0xD5, 0xD5,  // payload (A-law silence)
    ]

    /// CC=2: two CSRC words between the SSRC and the payload.
    static let twoCSRCs: [UInt8] = [
        0x82, 0x00,  // V=2, CC=2 | M=0, PT=0
        0x00, 0x01,  // sequence number 1
        0x00, 0x00, 0x00, 0xA0,  // timestamp 160
        0xCA, 0xFE, 0xBA, 0xBE,  // SSRC
        0x01, 0x02, 0x03, 0x04,  // CSRC 1
        0xA1, 0xA2, 0xA3, 0xA4,  // CSRC 2
        0x55, 0x66,  // payload
    ]

    /// X=1: §5.3.1 extension, profile 0xBEDE, length 2 words, then the payload.
    static let withExtension: [UInt8] = [
        0x90, 0x00,  // V=2, P=0, X=1, CC=0 | M=0, PT=0
        0x00, 0x02,  // sequence number 2
        0x00, 0x00, 0x01, 0x40,  // timestamp 320
        0xCA, 0xFE, 0xBA, 0xBE,  // SSRC
        0xBE, 0xDE, 0x00, 0x02,  // extension profile 0xBEDE | length 2 (32-bit words)
        0x10, 0x20, 0x30, 0x40,  // extension word 1
        0x50, 0x60, 0x70, 0x80,  // extension word 2
        0x01, 0x02, 0x03,  // payload
    ]

    /// P=1: the last octet counts the padding octets, itself included.
    static let padded: [UInt8] = [
        0xA0, 0x00,  // V=2, P=1, X=0, CC=0 | M=0, PT=0
        0x00, 0x03,  // sequence number 3
        0x00, 0x00, 0x01, 0xE0,  // timestamp 480
        0xCA, 0xFE, 0xBA, 0xBE,  // SSRC
        0x11, 0x22, 0x33,  // payload
        0x00, 0x00, 0x03,  // padding, count 3
    ]

    private func parse(_ bytes: [UInt8]) throws -> RTPPacket {
        try RTPPacket(parsing: ByteBuffer(bytes: bytes))
    }

    private func written(_ header: RTPHeader) -> [UInt8] {
        var buffer = ByteBuffer()
        header.write(into: &buffer)
        #expect(buffer.readableBytes == header.encodedSize, "encodedSize disagrees with write")
        return buffer.bytes
    }

    @Test func minimalPCMUPacket() throws {
        let packet = try parse(Self.minimalPCMU)
        #expect(packet.header.marker == false)
        #expect(packet.header.payloadType == 0)
        #expect(packet.header.sequenceNumber == 0x1234)
        #expect(packet.header.timestamp == 123_456)
        #expect(packet.header.ssrc == 0x1122_3344)
        #expect(packet.header.csrcs.isEmpty)
        #expect(packet.header.extensionProfile == nil)
        #expect(packet.payload.bytes == [0xFF, 0xFE, 0x7F, 0x00])
        #expect(written(packet.header) + packet.payload.bytes == Self.minimalPCMU)
    }

    @Test func markerBitAndSequenceNumberFFFF() throws {
        let packet = try parse(Self.markerPCMA)
        #expect(packet.header.marker)
        #expect(packet.header.payloadType == 8)
        #expect(packet.header.sequenceNumber == 0xFFFF)
        #expect(packet.header.timestamp == 0xFFFF_FFFF)
        #expect(packet.header.ssrc == 1)
        #expect(packet.payload.bytes == [0xD5, 0xD5])
        #expect(written(packet.header) + packet.payload.bytes == Self.markerPCMA)
    }

    @Test func csrcListIsReadAndSkipped() throws {
        let packet = try parse(Self.twoCSRCs)
        #expect(packet.header.csrcs == [0x0102_0304, 0xA1A2_A3A4])
        #expect(packet.header.sequenceNumber == 1)
        #expect(packet.header.timestamp == 160)
        #expect(packet.header.ssrc == 0xCAFE_BABE)
        #expect(packet.payload.bytes == [0x55, 0x66])
        #expect(packet.header.encodedSize == 20)
        #expect(written(packet.header) + packet.payload.bytes == Self.twoCSRCs)
    }

    @Test func headerExtensionIsSkipped() throws {
        let packet = try parse(Self.withExtension)
        #expect(packet.header.extensionProfile == 0xBEDE)
        #expect(packet.header.sequenceNumber == 2)
        #expect(packet.payload.bytes == [0x01, 0x02, 0x03])
        // The writer emits no extension: it re-encodes the fixed header with X cleared.
        var expected = Array(Self.withExtension[0..<12])
        expected[0] = 0x80
        #expect(written(packet.header) == expected)
    }

    @Test func paddingIsRemoved() throws {
        let packet = try parse(Self.padded)
        #expect(packet.header.sequenceNumber == 3)
        #expect(packet.header.timestamp == 480)
        #expect(packet.payload.bytes == [0x11, 0x22, 0x33])
        // Written without padding: P cleared, the padding octets gone.
        var expected = Array(Self.padded[0..<15])
        expected[0] = 0x80
        #expect(written(packet.header) + packet.payload.bytes == expected)
    }

    @Test func paddingMayFillTheWholePayload() throws {
        // Four octets of padding and nothing else after the header: an empty payload.
        let bytes: [UInt8] = [0xA0, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 1] + [0x00, 0x00, 0x00, 0x04]
        let packet = try parse(bytes)
        #expect(packet.payload.readableBytes == 0)
    }

    @Test func headerOnlyPacketHasEmptyPayload() throws {
        let packet = try parse(Array(Self.minimalPCMU[0..<12]))
        #expect(packet.payload.readableBytes == 0)
        #expect(packet.header.sequenceNumber == 0x1234)
    }

    /// The parser must use offsets from the reader index, not from the start of storage
    /// (the alta/swift-rtp slice-index bug).
    @Test func parsesFromNonZeroReaderIndex() throws {
        var buffer = ByteBuffer(bytes: [0xEE, 0xEE, 0xEE] + Self.twoCSRCs)
        buffer.moveReaderIndex(forwardBy: 3)
        let packet = try RTPPacket(parsing: buffer)
        #expect(packet.header.csrcs == [0x0102_0304, 0xA1A2_A3A4])
        #expect(packet.payload.bytes == [0x55, 0x66])
    }

    @Test func payloadIsAZeroCopySlice() throws {
        let datagram = ByteBuffer(bytes: Self.withExtension)
        let packet = try RTPPacket(parsing: datagram)
        #expect(packet.payload.readableBaseAddress == datagram.readableBaseAddress + 24)
    }

    @Test func writerRoundTripsThroughParser() throws {
        var header = RTPHeader(marker: true, payloadType: 101, sequenceNumber: 0xFFFF, timestamp: 7, ssrc: 0xDEAD_BEEF)
        header.csrcs = [1, 2, 3]
        var buffer = ByteBuffer()
        header.write(into: &buffer)
        buffer.writeBytes([9, 8, 7])
        let packet = try RTPPacket(parsing: buffer)
        #expect(packet.header == header)
        #expect(packet.payload.bytes == [9, 8, 7])
    }

    @Test func payloadTypeIsSevenBits() {
        let header = RTPHeader(marker: false, payloadType: 0xFF, sequenceNumber: 0, timestamp: 0, ssrc: 0)
        #expect(header.payloadType == 0x7F)
        #expect(written(header)[1] == 0x7F)
    }

    /// The CC field has four bits: more than 15 CSRCs cannot be expressed, and the count
    /// written must agree with the words written.
    @Test func atMostFifteenCSRCsAreWritten() throws {
        var header = RTPHeader(marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0)
        header.csrcs = Array(1...16)
        let bytes = written(header)
        #expect(bytes[0] == 0x8F)
        #expect(bytes.count == 12 + 4 * 15)
        let packet = try RTPPacket(parsing: ByteBuffer(bytes: bytes))
        #expect(packet.header.csrcs == Array(1...15))
        #expect(packet.payload.readableBytes == 0)
    }
}
