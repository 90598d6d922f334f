import Foundation
import NIOCore
import TestSupport
import Testing

@testable import RTPMedia

/// RFC 4733 telephone-events to key presses. Packets are built by hand per §2.3:
///
///     0                   1                   2                   3
///     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///    |     event     |E|R| volume    |          duration             |
@Suite struct DTMFDetectorTests {
    /// One telephone-event payload. `reserved` sets the R bit, which receivers ignore (§2.3).
    private func event(_ code: UInt8, end: Bool = false, reserved: Bool = false, volume: UInt8 = 10, duration: UInt16)
        -> ByteBuffer
    {
        var buffer = ByteBuffer()
        buffer.writeInteger(code)
        buffer.writeInteger((end ? 0x80 : 0) | (reserved ? 0x40 : 0) | (volume & 0x3F) as UInt8)
        buffer.writeInteger(duration)
        return buffer
    }

    /// The packets of one key press as a sender emits them (§2.5.1): `progress` updates every
    /// 20 ms (160 units), then `ends` copies of the final packet with the E bit.
    private func press(_ code: UInt8, progress: Int = 6, ends: Int = 3) -> (packets: [ByteBuffer], duration: UInt16) {
        let updates = (1...progress).map { event(code, duration: UInt16($0 * 160)) }
        let final = UInt16((progress + 1) * 160)
        return (updates + Array(repeating: event(code, end: true, duration: final), count: ends), final)
    }

    /// Feeds `packets` with one timestamp and collects the digits reported.
    private func feed(_ packets: [ByteBuffer], timestamp: UInt32, into detector: inout DTMFDetector) -> [DTMFDigit] {
        packets.flatMap { detector.push($0, timestamp: timestamp) }
    }

    @Test func keyPressWithRedundantEndsIsOneDigit() {
        var detector = DTMFDetector()
        let (packets, duration) = press(5)
        #expect(packets.count == 9)
        var reported: [(index: Int, digit: DTMFDigit)] = []
        for (index, packet) in packets.enumerated() {
            for digit in detector.push(packet, timestamp: 48_000) { reported.append((index, digit)) }
        }
        #expect(reported.count == 1)
        #expect(reported.first?.index == 6, "reported at the first end packet")
        #expect(reported.first?.digit == DTMFDigit(digit: "5", durationUnits: Int(duration), timestamp: 48_000))
        #expect(duration == 1120)
    }

    @Test func twoConsecutivePressesAreTwoDigits() {
        var detector = DTMFDetector()
        let first = feed(press(1).packets, timestamp: 1_000, into: &detector)
        let second = feed(press(2, progress: 3).packets, timestamp: 3_000, into: &detector)
        #expect(first == [DTMFDigit(digit: "1", durationUnits: 1120, timestamp: 1_000)])
        #expect(second == [DTMFDigit(digit: "2", durationUnits: 640, timestamp: 3_000)])
    }

    /// The same key twice: told apart by the timestamp, not the event code.
    @Test func sameKeyTwiceIsTwoDigits() {
        var detector = DTMFDetector()
        let digits =
            feed(press(9).packets, timestamp: 160, into: &detector)
            + feed(press(9).packets, timestamp: 4_000, into: &detector)
        #expect(digits.map(\.digit) == ["9", "9"])
        #expect(digits.map(\.timestamp) == [160, 4_000])
    }

    /// §2.5.1.5 loss: every end packet of the first press is lost, so it is reported (with the
    /// last duration seen) when the next event starts; the second press is unaffected.
    @Test func lostEndsReportTheDigitWhenTheNextEventStarts() {
        var detector = DTMFDetector()
        let first = feed(press(3, ends: 0).packets, timestamp: 800, into: &detector)
        #expect(first.isEmpty)
        let (second, _) = press(7)
        #expect(
            detector.push(second[0], timestamp: 2_400)
                == [DTMFDigit(digit: "3", durationUnits: 960, timestamp: 800)])
        let rest = feed(Array(second.dropFirst()), timestamp: 2_400, into: &detector)
        #expect(rest == [DTMFDigit(digit: "7", durationUnits: 1120, timestamp: 2_400)])
    }

    /// When a single packet is all there is of an event, with its end lost, and the next event's
    /// very first packet is already its end: both digits come out of that one push, in order.
    @Test func oneSinglePacketEventThenAnEndOnlyEvent() {
        var detector = DTMFDetector()
        #expect(detector.push(event(4, duration: 160), timestamp: 100).isEmpty)
        #expect(
            detector.push(event(6, end: true, duration: 800), timestamp: 900)
                == [
                    DTMFDigit(digit: "4", durationUnits: 160, timestamp: 100),
                    DTMFDigit(digit: "6", durationUnits: 800, timestamp: 900),
                ])
    }

    /// A redundant end packet of an earlier press delayed until after the next press started
    /// must not report either press a second time.
    @Test func delayedEndOfAnEarlierPressIsIgnored() {
        var detector = DTMFDetector()
        let (first, _) = press(1)
        let (second, _) = press(2)
        var digits = feed(Array(first.dropLast()), timestamp: 1_000, into: &detector)
        digits += feed(Array(second.prefix(2)), timestamp: 3_000, into: &detector)
        digits += detector.push(first.last!, timestamp: 1_000)  // the straggler
        digits += feed(Array(second.dropFirst(2)), timestamp: 3_000, into: &detector)
        #expect(digits.map(\.digit) == ["1", "2"])
        #expect(digits.last?.durationUnits == 1120)
    }

    /// §3.2 event codes 0–15; the R bit and the volume do not matter.
    @Test func eventCodesMapToDigits() {
        let expected: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D"]
        var detector = DTMFDetector()
        var digits: [Character] = []
        for code in UInt8(0)...15 {
            let packet = event(code, end: true, reserved: code % 2 == 0, volume: code * 4, duration: 400)
            digits += detector.push(packet, timestamp: UInt32(code) * 1_000).map(\.digit)
        }
        #expect(digits == expected)
        #expect((0...15).map { DTMFDetector.digit(for: UInt8($0)) } == expected)
    }

    /// Events above 15 (16 is hook flash, §3.2) are not digits and are never reported, also not
    /// when their end is lost and a digit follows.
    @Test(arguments: [UInt8(16), 17, 32, 255])
    func nonDigitEventsAreIgnored(code: UInt8) {
        #expect(DTMFDetector.digit(for: code) == nil)
        var detector = DTMFDetector()
        #expect(feed(press(code).packets, timestamp: 500, into: &detector).isEmpty)
        #expect(feed(press(code, ends: 0).packets, timestamp: 5_000, into: &detector).isEmpty)
        let digits = feed(press(0).packets, timestamp: 9_000, into: &detector)
        #expect(digits == [DTMFDigit(digit: "0", durationUnits: 1120, timestamp: 9_000)])
    }

    /// Payloads shorter than the 4-byte event block are dropped and leave no trace.
    @Test func truncatedPayloadsAreIgnored() {
        var detector = DTMFDetector()
        let full = event(8, end: true, duration: 320)
        for length in 0..<4 {
            #expect(detector.push(full.getSlice(at: 0, length: length)!, timestamp: 77).isEmpty, "length \(length)")
        }
        // Nothing was started by them: a real press afterwards is the only digit.
        #expect(feed(press(8).packets, timestamp: 99, into: &detector).map(\.timestamp) == [99])
    }

    /// The event is read at the buffer's reader index (a slice of a whole RTP packet).
    @Test func readsFromTheReaderIndex() {
        var packet = ByteBuffer(bytes: [0x80, 0x65, 0, 1])
        packet.writeImmutableBuffer(event(11, end: true, duration: 2_240))
        packet.moveReaderIndex(forwardBy: 4)
        var detector = DTMFDetector()
        #expect(detector.push(packet, timestamp: 1) == [DTMFDigit(digit: "#", durationUnits: 2_240, timestamp: 1)])
    }

    // MARK: - SIPp's captures

    /// SIPp ships one RFC 2833 key press per file (`dtmf_2833_<key>.pcap`, PT 101): seven
    /// progress packets and three end packets, 2240 units (280 ms).
    @Test(arguments: [
        ("0", "0"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5"), ("6", "6"), ("7", "7"),
        ("8", "8"), ("9", "9"), ("pound", "#"), ("star", "*"),
    ])
    func sippCapture(name: String, digit: String) throws {
        let path = "/usr/share/sip-tester/dtmf_2833_\(name).pcap"
        try #require(FileManager.default.fileExists(atPath: path), "sip-tester is not installed")
        let datagrams = try Pcap.udpPackets(in: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let packets = try datagrams.map { try RTPPacket(parsing: ByteBuffer(bytes: $0.payload)) }
        #expect(packets.count == 10)
        #expect(packets.allSatisfy { $0.header.payloadType == 101 })
        #expect(Set(packets.map(\.header.timestamp)).count == 1, "one event")
        var detector = DTMFDetector()
        let digits = packets.flatMap { detector.push($0.payload, timestamp: $0.header.timestamp) }
        #expect(digits.count == 1)
        #expect(digits.first.map { String($0.digit) } == digit)
        #expect(digits.first?.durationUnits == 2_240)
        #expect(digits.first?.timestamp == packets[0].header.timestamp)
    }
}
