import Testing

@testable import RTPMedia

/// RFC 3550 §A.1 extended sequence numbers: each value is taken as the one nearest to the
/// highest seen so far, so wrap-around and reordering near it both come out monotonic.
@Suite struct SequenceUnwrapperTests {
    @Test func theFirstValueIsItself() {
        var sequence = SequenceUnwrapper()
        #expect(sequence.highest == nil)
        #expect(sequence.unwrap(40_000) == 40_000)
        #expect(sequence.highest == 40_000)
    }

    @Test func sixteenBitForwardWrapKeepsCounting() {
        var sequence = SequenceUnwrapper(bits: 16)
        let raw: [UInt32] = [65_533, 65_534, 65_535, 0, 1, 2]
        #expect(raw.map { sequence.unwrap($0) } == [65_533, 65_534, 65_535, 65_536, 65_537, 65_538])
        #expect(sequence.highest == 65_538)
    }

    /// Three full cycles of 2^16 in steps of 1000: the count never goes backwards.
    @Test func manyWrapsAccumulate() {
        var sequence = SequenceUnwrapper(bits: 16)
        var expected: Int64 = 12_345
        _ = sequence.unwrap(UInt32(expected))
        for _ in 0..<200 {
            expected += 1000
            #expect(sequence.unwrap(UInt32(expected % 65_536)) == expected)
        }
        #expect(expected > 3 * 65_536)
    }

    /// A packet from before the wrap arriving after it maps below the highest, not 2^16 ahead,
    /// and does not move `highest` back.
    @Test func reorderAcrossTheWrap() {
        var sequence = SequenceUnwrapper(bits: 16)
        #expect(sequence.unwrap(65_534) == 65_534)
        #expect(sequence.unwrap(0) == 65_536)
        #expect(sequence.unwrap(65_535) == 65_535)
        #expect(sequence.highest == 65_536)
        #expect(sequence.unwrap(1) == 65_537)
        // And the other way round: a pre-wrap straggler arriving well after the wrap.
        #expect(sequence.unwrap(65_500) == 65_500)
        #expect(sequence.highest == 65_537)
    }

    /// A value before the very first one (reordered at stream start) may go negative.
    @Test func reorderBeforeTheFirstPacketAcrossTheWrap() {
        var sequence = SequenceUnwrapper(bits: 16)
        #expect(sequence.unwrap(0) == 0)
        #expect(sequence.unwrap(65_535) == -1)
        #expect(sequence.highest == 0)
        #expect(sequence.unwrap(1) == 1)
    }

    /// Half the range is the boundary: just under it is a forward step, just over it is old.
    @Test func halfRangeDecidesDirection() {
        var forward = SequenceUnwrapper(bits: 16)
        _ = forward.unwrap(100)
        #expect(forward.unwrap(100 + 32_767) == 100 + 32_767)
        var backward = SequenceUnwrapper(bits: 16)
        _ = backward.unwrap(100)
        #expect(backward.unwrap(100 + 32_769) == 100 + 32_769 - 65_536)
    }

    @Test func sixteenBitModeIgnoresHighBits() {
        var sequence = SequenceUnwrapper(bits: 16)
        #expect(sequence.unwrap(0x0001_0005) == 5)
    }

    @Test func thirtyTwoBitTimestampsWrapAtTwoToTheThirtyTwo() {
        var timestamps = SequenceUnwrapper(bits: 32)
        let start = UInt32.max - 319
        #expect(timestamps.unwrap(start) == Int64(start))
        #expect(timestamps.unwrap(start &+ 160) == Int64(start) + 160)
        #expect(timestamps.unwrap(start &+ 320) == 1 << 32)
        #expect(timestamps.unwrap(start &+ 480) == (1 << 32) + 160)
        // Reordered across the wrap.
        #expect(timestamps.unwrap(start &+ 160) == Int64(start) + 160)
        let highest: Int64 = (1 << 32) + 160
        #expect(timestamps.highest == highest)
        // A forward jump of 2^31 − 1 is still forward in 32-bit mode (it would be backwards
        // in 16-bit terms).
        let jump = UInt32(Int32.max)
        #expect(timestamps.unwrap((start &+ 480) &+ jump) == (1 << 32) + 160 + Int64(jump))
    }
}
