import NIOCore
import Testing

@testable import RTPMedia

/// RFC 4733 sending: packet by packet on the 20 ms grid, and what our own detector makes of it.
@Suite struct TelephoneEventSenderTests {
    /// Runs `slots` slots from timestamp 1000; nil entries are audio slots.
    private func run(_ sender: inout TelephoneEventSender, slots: Int) -> [TelephoneEventSender.Packet?] {
        (0..<slots).map { sender.nextSlot(timestamp: 1000 + UInt32($0) * 160) }
    }

    @Test func oneDigitIsFiveTonePacketsThreeEndsThenAGap() {
        var sender = TelephoneEventSender()
        #expect(sender.enqueue("5") == 1)
        #expect(sender.isActive)
        let slots = run(&sender, slots: 12)
        let packets = slots.prefix(7).compactMap { $0 }
        #expect(packets.count == 7)
        #expect(packets.allSatisfy { $0.timestamp == 1000 }, "every packet carries the event's start (§2.5.1.2)")
        #expect(packets.map(\.marker) == [true, false, false, false, false, false, false])
        #expect(packets.map { $0.payload[0] } == Array(repeating: 5, count: 7))
        #expect(packets.map { $0.payload[1] } == [10, 10, 10, 10, 0x8A, 0x8A, 0x8A], "E bit on the last three, volume 10")
        #expect(packets.map { Int($0.payload[2]) << 8 | Int($0.payload[3]) } == [160, 320, 480, 640, 800, 800, 800])
        #expect(slots[7...].allSatisfy { $0 == nil })
        #expect(!sender.isActive)
    }

    @Test func digitsAreSeparatedByTheGapAndStartAfresh() {
        var sender = TelephoneEventSender()
        sender.enqueue("1#")
        let slots = run(&sender, slots: 20)
        #expect(slots[7..<10].allSatisfy { $0 == nil }, "60 ms of audio between digits")
        let second = slots[10...].compactMap { $0 }
        #expect(second.count == 7)
        #expect(second.first?.marker == true)
        #expect(second.first?.timestamp == UInt32(1000 + 10 * 160), "a new event starts at its own slot's timestamp")
        #expect(second.first?.payload[0] == 11)
    }

    @Test func nonKeysAreSkippedAndClearingKeepsThePlayingDigit() {
        var sender = TelephoneEventSender()
        #expect(sender.enqueue("1-2 x*") == 3)
        _ = sender.nextSlot(timestamp: 0)
        sender.clearQueue()
        let rest = (1..<20).compactMap { sender.nextSlot(timestamp: UInt32($0) * 160) }
        #expect(rest.count == 6, "the playing digit finishes")
        #expect(sender.queuedDigits == 0)
    }

    /// What we send, our detector reads back as one press per key with the full duration.
    @Test func detectorReadsBackEveryDigit() {
        var sender = TelephoneEventSender()
        sender.enqueue("0123456789*#ABCD")
        var detector = DTMFDetector()
        var digits: [DTMFDigit] = []
        for slot in 0..<(16 * 10) {
            guard let packet = sender.nextSlot(timestamp: UInt32(slot) * 160) else { continue }
            digits += detector.push(ByteBuffer(bytes: packet.payload), timestamp: packet.timestamp)
        }
        #expect(String(digits.map(\.digit)) == "0123456789*#ABCD")
        #expect(digits.allSatisfy { $0.durationUnits == 800 })
    }
}
