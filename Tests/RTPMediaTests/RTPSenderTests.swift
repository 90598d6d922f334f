import NIOCore
import Testing

@testable import RTPMedia

/// The outgoing stream's header state (RFC 3550 §5.1, RFC 3551 §4.1 marker).
@Suite struct RTPSenderTests {
    private func sender(sequenceNumber: UInt16 = 0x1234, timestamp: UInt32 = 0x0A0B_0C0D) -> RTPSender {
        RTPSender(
            payloadType: 0, samplesPerFrame: 160, ssrc: 0x0102_0304, sequenceNumber: sequenceNumber,
            timestamp: timestamp)
    }

    /// Writes the next header and returns its bytes.
    private func next(_ sender: inout RTPSender) -> [UInt8] {
        var buffer = ByteBuffer()
        sender.writeNextHeader(into: &buffer)
        return buffer.bytes
    }

    /// Writes the next header and parses it back.
    private func nextHeader(_ sender: inout RTPSender) throws -> RTPHeader {
        var buffer = ByteBuffer()
        sender.writeNextHeader(into: &buffer)
        return try RTPPacket(parsing: buffer).header
    }

    @Test func headerBytesForGivenInitialValues() {
        var sender = sender()
        #expect(
            next(&sender) == [
                0x80, 0x80,  // V=2 | M=1 (first packet), PT=0
                0x12, 0x34,  // sequence number
                0x0A, 0x0B, 0x0C, 0x0D,  // timestamp
                0x01, 0x02, 0x03, 0x04,  // SSRC
            ])
        #expect(
            next(&sender) == [
                0x80, 0x00,  // marker cleared
                0x12, 0x35,  // +1
                0x0A, 0x0B, 0x0C, 0xAD,  // +160 (0xA0)
                0x01, 0x02, 0x03, 0x04,
            ])
        #expect(sender.packetCount == 2)
    }

    @Test func payloadTypeIsWritten() throws {
        var sender = RTPSender(payloadType: 8, samplesPerFrame: 160, ssrc: 9, sequenceNumber: 0, timestamp: 0)
        let header = try nextHeader(&sender)
        #expect(header.payloadType == 8)
        #expect(header.ssrc == 9)
    }

    @Test func sequenceNumberWraps() throws {
        var sender = sender(sequenceNumber: 0xFFFE)
        let numbers = try (0..<4).map { _ in try nextHeader(&sender).sequenceNumber }
        #expect(numbers == [0xFFFE, 0xFFFF, 0x0000, 0x0001])
    }

    @Test func timestampWraps() throws {
        var sender = sender(timestamp: 0xFFFF_FFFF)
        let stamps = try (0..<3).map { _ in try nextHeader(&sender).timestamp }
        #expect(stamps == [0xFFFF_FFFF, 159, 319])
        var exact = self.sender(timestamp: 0xFFFF_FF60)
        let exactStamps = try (0..<2).map { _ in try nextHeader(&exact).timestamp }
        #expect(exactStamps == [0xFFFF_FF60, 0])
    }

    @Test func markerOnlyOnFirstPacketAndAfterTalkSpurt() throws {
        var sender = sender()
        var markers: [Bool] = []
        for index in 0..<10 {
            if index == 4 { sender.startTalkSpurt() }
            if index == 7 {
                // Announcing twice still marks a single packet.
                sender.startTalkSpurt()
                sender.startTalkSpurt()
            }
            markers.append(try nextHeader(&sender).marker)
        }
        #expect(markers == [true, false, false, false, true, false, false, true, false, false])
    }

    @Test func skipAdvancesTimestampOnly() throws {
        var sender = sender()
        let first = try nextHeader(&sender)
        sender.skip(frames: 3)
        let second = try nextHeader(&sender)
        #expect(second.sequenceNumber == first.sequenceNumber &+ 1)
        #expect(second.timestamp == first.timestamp &+ 160 * 4)
        #expect(second.marker == false, "a skip is not a talk-spurt")
        #expect(sender.packetCount == 2, "skipped frames are not packets")
        sender.skip(frames: 0)
        #expect(try nextHeader(&sender).timestamp == second.timestamp &+ 160)
    }

    @Test func skipWrapsTimestamp() throws {
        var sender = sender(timestamp: 0xFFFF_FF00)
        sender.skip(frames: 2)  // +320 → wraps to 0x40
        #expect(try nextHeader(&sender).timestamp == 0x40)
    }

    @Test func randomInitialValuesGiveAValidStream() throws {
        var sender = RTPSender(payloadType: 0, samplesPerFrame: 160)
        #expect(sender.ssrc != 0)
        let first = try nextHeader(&sender)
        let second = try nextHeader(&sender)
        #expect(first.marker && !second.marker)
        #expect(first.ssrc == sender.ssrc && second.ssrc == sender.ssrc)
        #expect(second.sequenceNumber == first.sequenceNumber &+ 1)
        #expect(second.timestamp == first.timestamp &+ 160)
    }
}
