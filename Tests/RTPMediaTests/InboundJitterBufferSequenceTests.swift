import NIOCore
import Testing

@testable import RTPMedia

/// The reorder buffer reading sequence numbers (RFC 3550 §5.1): a timestamp gap the sequence
/// numbers show to be no packet gap is silence (RFC 3551 §4.1), declared at once; any other
/// gap may still be filled by a late packet and is held.
extension InboundJitterBufferTests {
    /// The packet after 80 ms of silence, numbered next, arrives 5 ms before the clock would
    /// declare the silence's last slot: it plays at once behind that slot. Numbered with a gap
    /// (four packets lost), it waits one reorder window for them.
    @Test func nextInSequenceAcrossAGapPlaysAtOnce() {
        var silent = Driver()
        var lossy = Driver()
        for driver in [0, 1] {
            _ = driver == 0 ? silent.push(0, sequence: 7, at: 0) : lossy.push(0, sequence: 7, at: 0)
        }
        #expect(silent.runTicks(until: 99).flatMap { $0 } == Array(repeating: .missing(160), count: 3))
        #expect(lossy.runTicks(until: 99).flatMap { $0 } == Array(repeating: .missing(160), count: 3))
        // Slot [640, 800) is declared by the clock at 100; the packet for 800 comes at 95.
        #expect(silent.push(800, sequence: 8, at: 95) == [.missing(160), audio(800)])
        #expect(lossy.push(800, sequence: 12, at: 95) == [])
        #expect(lossy.buffer.nextDeadline == Self.at(115))
        #expect(lossy.tick(at: 115) == [.missing(160), audio(800)])
        #expect(silent.buffer.missingUnits == 640)
        #expect(lossy.buffer.missingUnits == 640)
    }

    /// Comfort noise (RFC 3389) or a telephone-event takes the sequence number after the
    /// last audio packet; the audio packet after it still follows on. A noted number that does
    /// not follow on (a packet lost before it) proves nothing.
    @Test func packetsWithoutAudioKeepTheSequence() {
        var driver = Driver()
        _ = driver.push(0, sequence: 100, at: 0)
        driver.buffer.noteSequenceNumber(101)  // comfort noise at 20 ms
        _ = driver.runTicks(until: 99)
        #expect(driver.push(800, sequence: 102, at: 95) == [.missing(160), audio(800)])

        driver.buffer.noteSequenceNumber(104)  // 103 lost
        // The clock declares up to 1600 by 195; the packet for 1760 comes at 199.
        #expect(driver.runTicks(until: 199).flatMap { $0 } == Array(repeating: .missing(160), count: 4))
        #expect(driver.push(1_760, sequence: 105, at: 199) == [], "held: 103 may still come")
    }

    /// The sequence number wraps at 2^16 (RFC 3550 §5.1).
    @Test func sequenceNumberWraps() {
        var driver = Driver()
        _ = driver.push(0, sequence: 65_535, at: 0)
        _ = driver.runTicks(until: 99)
        #expect(driver.push(800, sequence: 0, at: 95) == [.missing(160), audio(800)])
    }

    /// A packet dropped as late still counts in the sequence: the one after it, arriving
    /// before the clock declared its own slot, is not held for a packet that already came.
    @Test func aLatePacketKeepsTheSequence() {
        var driver = Driver()
        _ = driver.push(0, sequence: 1, at: 0)
        #expect(driver.runTicks(until: 40) == [[.missing(160)]])
        #expect(driver.push(160, sequence: 2, at: 41) == [], "late: its slot was declared at 40")
        #expect(driver.buffer.late == 1)
        // Its late arrival moved the clock: slot [320, 480) is now due at 61 + 20.
        #expect(driver.push(480, sequence: 3, at: 70) == [.missing(160), audio(480)])
        #expect(driver.buffer.late == 1)
    }

    /// With a packet already held, a gap behind it is held too, whatever its number.
    @Test func nothingPlaysAheadOfAHeldPacket() {
        var driver = Driver()
        _ = driver.push(0, sequence: 1, at: 0)
        #expect(driver.push(320, sequence: 3, at: 20) == [], "2 missing")
        #expect(driver.push(800, sequence: 4, at: 30) == [])
        #expect(driver.push(160, sequence: 2, at: 35) == [audio(160), audio(320)])
        #expect(driver.tick(at: 50) == [.missing(320), audio(800)])
    }
}
