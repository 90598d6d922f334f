import NIOCore
import Testing
import TestSupport

@testable import RTPMedia

/// The reorder buffer on a simulated clock: packets and ticks at chosen instants, every
/// release checked against the bytes sent. Units are RTP timestamp units, one byte each (G.711).
@Suite struct InboundJitterBufferTests {
    static let origin = NIODeadline.uptimeNanoseconds(7_000_000_000)

    /// `origin + milliseconds` (fractions allowed, to place arrivals between ticks).
    static func at(_ milliseconds: Double) -> NIODeadline {
        origin + .nanoseconds(Int64(milliseconds * 1_000_000))
    }

    /// The byte sent at RTP timestamp `timestamp`: a hash, so that any shift, repeat or
    /// reordering of released bytes shows.
    static func unit(_ timestamp: UInt32) -> UInt8 {
        UInt8(truncatingIfNeeded: (timestamp &* 2_654_435_761) >> 11)
    }

    /// The payload of a packet covering `units` from `timestamp`.
    static func payload(_ timestamp: UInt32, units: Int) -> [UInt8] {
        (0..<units).map { unit(timestamp &+ UInt32($0)) }
    }

    /// A comparable form of `InboundJitterBuffer.Output`.
    enum Released: Equatable, CustomStringConvertible {
        case audio([UInt8])
        case missing(Int)

        init(_ output: InboundJitterBuffer.Output) {
            switch output {
            case .audio(let buffer): self = .audio(Array(buffer.readableBytesView))
            case .missing(let units): self = .missing(units)
            }
        }

        var units: Int {
            switch self {
            case .audio(let bytes): bytes.count
            case .missing(let units): units
            }
        }

        var description: String {
            switch self {
            case .audio(let bytes): "audio(\(bytes.count))"
            case .missing(let units): "missing(\(units))"
            }
        }
    }

    /// A buffer and its driver: `push`/`tick` return what was released by that one call.
    struct Driver {
        var buffer: InboundJitterBuffer

        init(_ configure: (inout InboundJitterBuffer.Configuration) -> Void = { _ in }) {
            var configuration = InboundJitterBuffer.Configuration()
            configure(&configuration)
            buffer = InboundJitterBuffer(configuration: configuration)
        }

        /// Pushes the packet covering `units` from `timestamp`. Its sequence number is
        /// `timestamp / 160` unless given: a sender that numbers one packet per 20 ms, so a gap
        /// in timestamps is a gap in packets (loss), as a sender without silence suppression sends.
        mutating func push(_ timestamp: UInt32, units: Int = 160, sequence: UInt16? = nil, at milliseconds: Double) -> [Released] {
            push(
                timestamp, bytes: InboundJitterBufferTests.payload(timestamp, units: units),
                sequence: sequence ?? UInt16(truncatingIfNeeded: timestamp / 160), at: milliseconds)
        }

        mutating func push(_ timestamp: UInt32, bytes: [UInt8], sequence: UInt16?, at milliseconds: Double) -> [Released] {
            var outputs: [InboundJitterBuffer.Output] = []
            buffer.push(
                timestamp: timestamp, sequenceNumber: sequence, payload: ByteBuffer(bytes: bytes),
                arrival: InboundJitterBufferTests.at(milliseconds), into: &outputs)
            return outputs.map(Released.init)
        }

        mutating func tick(at now: NIODeadline) -> [Released] {
            var outputs: [InboundJitterBuffer.Output] = []
            buffer.tick(now: now, into: &outputs)
            return outputs.map(Released.init)
        }

        mutating func tick(at milliseconds: Double) -> [Released] {
            tick(at: InboundJitterBufferTests.at(milliseconds))
        }

        /// Runs every tick due up to `milliseconds` at its deadline, as the call's timer would,
        /// and returns the releases of each tick.
        mutating func runTicks(until milliseconds: Double, inclusive: Bool = true) -> [[Released]] {
            let limit = InboundJitterBufferTests.at(milliseconds)
            var releases: [[Released]] = []
            while let deadline = buffer.nextDeadline, deadline < limit || (inclusive && deadline == limit) {
                releases.append(tick(at: deadline))
                if let after = buffer.nextDeadline, after <= deadline {
                    Issue.record("nextDeadline did not advance past \(deadline)")
                    break
                }
            }
            return releases
        }
    }

    func audio(_ timestamp: UInt32, units: Int = 160) -> Released {
        .audio(Self.payload(timestamp, units: units))
    }

    // MARK: - In order, reorder, loss

    @Test func inOrderPacketsAreReleasedImmediately() {
        var driver = Driver()
        #expect(driver.buffer.nextDeadline == nil)
        for index in 0..<50 {
            let timestamp = 1_000 + UInt32(index) * 160
            let ticks = driver.runTicks(until: Double(index) * 20)
            #expect(ticks.allSatisfy { $0.isEmpty })
            #expect(driver.push(timestamp, at: Double(index) * 20) == [audio(timestamp)], "packet \(index)")
            // The next tick is for the next frame's slot: its nominal arrival plus the window.
            #expect(driver.buffer.nextDeadline == Self.at(Double(index) * 20 + 40))
        }
        #expect(driver.buffer.late == 0)
        #expect(driver.buffer.missingUnits == 0)
        #expect(driver.buffer.resyncs == 0)
    }

    /// The in-order path hands out the packet's own storage: no copy per packet.
    @Test func inOrderReleaseIsZeroCopy() {
        var buffer = InboundJitterBuffer()
        let payload = ByteBuffer(bytes: Self.payload(0, units: 160))
        var outputs: [InboundJitterBuffer.Output] = []
        buffer.push(timestamp: 0, sequenceNumber: 0, payload: payload, arrival: Self.origin, into: &outputs)
        guard case .audio(let released) = outputs.first else {
            Issue.record("expected audio, got \(outputs.map(Released.init))")
            return
        }
        #expect(released.readableBaseAddress == payload.readableBaseAddress)
    }

    @Test func swappedPairIsReleasedInOrder() {
        var driver = Driver()
        #expect(driver.push(0, at: 0) == [audio(0)])
        #expect(driver.push(320, at: 20) == [], "n+1 waits for n")
        #expect(driver.buffer.nextDeadline == Self.at(40))
        #expect(driver.push(160, at: 25) == [audio(160), audio(320)])
        #expect(driver.push(480, at: 40) == [audio(480)])
        #expect(driver.buffer.missingUnits == 0)
        #expect(driver.buffer.late == 0)
    }

    /// A lost packet is declared at the hold deadline (first held arrival + window), followed
    /// by the held audio; when it turns up afterwards it is late and dropped. (Packet n+1 comes
    /// 5 ms early, before the clock would declare slot n on its own at 40 ms.)
    @Test func lostPacketIsDeclaredAtTheHoldDeadline() {
        var driver = Driver()
        #expect(driver.push(0, at: 0) == [audio(0)])
        #expect(driver.push(320, at: 35) == [])
        #expect(driver.buffer.nextDeadline == Self.at(55))
        #expect(driver.tick(at: 54.999) == [])
        #expect(driver.tick(at: 55) == [.missing(160), audio(320)])
        #expect(driver.buffer.missingUnits == 160)
        #expect(driver.push(160, at: 56) == [], "too late")
        #expect(driver.buffer.late == 1)
        #expect(driver.push(480, at: 60) == [audio(480)])
        #expect(driver.buffer.late == 1)
        #expect(driver.buffer.missingUnits == 160)
    }

    /// When nothing is held, slot n is declared by the clock at its due time + window (40 ms);
    /// packet n+1 arriving then plays at once. A packet at or after a passed deadline sees the
    /// same buffer whether the driver's timer ran first, ran late, or not at all.
    @Test(arguments: [40.0, 41, 45])
    func packetAfterAPassedDeadlineSeesItApplied(arrival: Double) {
        var timerFirst = Driver()
        var packetFirst = Driver()
        _ = timerFirst.push(0, at: 0)
        _ = packetFirst.push(0, at: 0)
        var released = timerFirst.runTicks(until: arrival).flatMap { $0 }
        released += timerFirst.push(320, at: arrival)
        #expect(released == [.missing(160), audio(320)])
        #expect(packetFirst.push(320, at: arrival) == released, "no tick ran before the packet")
        #expect(packetFirst.buffer.nextDeadline == timerFirst.buffer.nextDeadline)
        #expect(packetFirst.runTicks(until: arrival).flatMap { $0 } == [], "the late timer finds nothing to do")
        #expect(packetFirst.push(480, at: arrival + 20) == [audio(480)])
    }

    /// The event loop stalled for 150 ms while packets 1-6 sat in the socket: read at last, in
    /// order, before any timer ran, they fill their slots; nothing is declared missing or late.
    @Test func packetsReadAfterAStallStillFillTheirSlots() {
        var driver = Driver()
        _ = driver.push(0, at: 0)
        var released: [Released] = []
        for slot in 1...6 { released += driver.push(UInt32(slot) * 160, at: 150) }
        #expect(released == (1...6).map { audio(UInt32($0) * 160) })
        #expect(driver.buffer.missingUnits == 0)
        #expect(driver.buffer.late == 0)
        #expect(driver.runTicks(until: 150).flatMap { $0 } == [], "the late timer finds nothing to declare")
    }

    /// Two lost in a row, with two held behind them (an early burst): one declaration of the
    /// whole gap at the first held packet's arrival + window.
    @Test func consecutiveLossIsOneGap() {
        var driver = Driver()
        _ = driver.push(0, at: 0)
        #expect(driver.push(480, at: 30) == [])
        #expect(driver.push(640, at: 38) == [])
        #expect(driver.buffer.nextDeadline == Self.at(50), "the first held arrival sets the deadline")
        #expect(driver.tick(at: 50) == [.missing(320), audio(480), audio(640)])
    }

    /// Two gaps among the held packets: when the first is filled the rest stays held.
    @Test func fillingOneGapKeepsWaitingForTheNext() {
        var driver = Driver()
        _ = driver.push(0, at: 0)
        #expect(driver.push(320, at: 20) == [])
        #expect(driver.push(640, at: 21) == [])
        #expect(driver.push(160, at: 22) == [audio(160), audio(320)])
        #expect(driver.push(480, at: 23) == [audio(480), audio(640)])
        #expect(driver.buffer.missingUnits == 0)
    }

    /// A 30 ms packet whose first 10 ms were already concealed releases only its last 20 ms.
    @Test func partialOverlapReleasesTheTail() {
        var driver = Driver()
        #expect(driver.push(0, at: 0) == [audio(0)])
        // A 10 ms packet [160, 240) is lost; the clock declares [160, 320) missing at 40 ms.
        #expect(driver.runTicks(until: 40) == [[.missing(160)]])
        let late = Self.payload(240, units: 240)
        #expect(driver.push(240, bytes: late, sequence: 2, at: 41) == [.audio(Array(late[80...]))])
        #expect(driver.buffer.late == 0)
        #expect(driver.push(480, at: 55) == [audio(480)])
    }

    /// A duplicate of a held packet is dropped (and counted); the original is released once.
    @Test func duplicateOfAHeldPacket() {
        var driver = Driver()
        _ = driver.push(0, at: 0)
        #expect(driver.push(320, at: 20) == [])
        #expect(driver.push(320, at: 21) == [])
        #expect(driver.buffer.late == 1)
        #expect(driver.push(160, at: 22) == [audio(160), audio(320)])
        // And a duplicate of released audio.
        #expect(driver.push(160, at: 23) == [])
        #expect(driver.buffer.late == 2)
    }

    /// More than `maximumHeld` waiting: the gap is given up at once, everything held released.
    @Test func maximumHeldOverflowGivesUpTheGap() {
        var driver = Driver { $0.maximumHeld = 4 }
        _ = driver.push(0, at: 0)
        for index in 2...5 {
            #expect(driver.push(UInt32(index) * 160, at: 20 + Double(index)) == [], "held \(index)")
        }
        #expect(
            driver.push(960, at: 26)
                == [.missing(160), audio(320), audio(480), audio(640), audio(800), audio(960)])
        #expect(driver.buffer.nextDeadline == Self.at(26 + 20 + 20))
        #expect(driver.buffer.missingUnits == 160)
    }

    // MARK: - Packet times

    /// 10, 30 and 60 ms packets: in order at once, one lost packet is its own length missing,
    /// and silence after the last one is declared 20 ms at a time from its end.
    @Test(arguments: [10, 30, 60])
    func packetTimes(milliseconds: Int) {
        let units = milliseconds * 8
        let step = Double(milliseconds)
        var driver = Driver()
        for index in 0..<5 {
            let timestamp = UInt32(index * units)
            let ticks = driver.runTicks(until: Double(index) * step)
            #expect(ticks.allSatisfy { $0.isEmpty })
            #expect(driver.push(timestamp, units: units, at: Double(index) * step) == [audio(timestamp, units: units)])
        }
        // Packet 5 lost, 6 arrives on time: the gap is declared (by the clock, the hold
        // deadline, or both, depending on the packet time) before packet 6 plays.
        let sixth = UInt32(6 * units)
        var releases = driver.runTicks(until: 6 * step).flatMap { $0 }
        releases += driver.push(sixth, units: units, at: 6 * step)
        releases += driver.runTicks(until: 6 * step + 20).flatMap { $0 }
        #expect(merged(releases) == [.missing(units), audio(sixth, units: units)])
        // Silence after it: due = its arrival + its length; one 20 ms frame per tick after that.
        let due = 7 * step
        #expect(driver.buffer.nextDeadline == Self.at(due + 20))
        #expect(driver.runTicks(until: due + 60) == Array(repeating: [.missing(160)], count: 3))
    }

    // MARK: - Randomised invariant

    /// Seeded loss, jitter (so reordering) and duplicates, driven as the call does. Whatever
    /// happens: the releases tile the timestamp line from the first packet without gap or
    /// overlap (bytes checked at every position, so order is strict), every packet either
    /// contributes a tail of itself exactly once or is counted `late`, and the counters agree.
    @Test(arguments: [10, 20, 30, 60], 1...25 as ClosedRange<UInt64>)
    func randomLossAndReorder(packetMilliseconds: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed &* 7_919 &+ UInt64(packetMilliseconds))
        let units = packetMilliseconds * 8
        let first = UInt32.random(in: .min ... .max, using: &random)
        let count = 12_000 / packetMilliseconds  // 12 s
        // Sent every `packetMilliseconds`; lost 8 %; delayed 0–35 ms (beyond the 20 ms window
        // sometimes, so some are late); duplicated 2 %.
        var arrivals: [(time: Double, index: Int)] = []
        for index in 0..<count {
            if Double.random(in: 0..<1, using: &random) < 0.08 { continue }
            let sent = Double(index * packetMilliseconds)
            arrivals.append((sent + Double.random(in: 0..<35, using: &random), index))
            if Double.random(in: 0..<1, using: &random) < 0.02 {
                arrivals.append((sent + Double.random(in: 0..<50, using: &random), index))
            }
        }
        arrivals.sort { $0.time < $1.time }
        let firstIndex = arrivals[0].index

        var driver = Driver()
        var released: [Released] = []
        for arrival in arrivals {
            released += driver.runTicks(until: arrival.time).flatMap { $0 }
            released += driver.push(first &+ UInt32(arrival.index * units), units: units, at: arrival.time)
        }
        released += driver.runTicks(until: Double(count * packetMilliseconds) + 200).flatMap { $0 }

        // Walk the timeline from the first packet to arrive.
        var position = firstIndex * units  // relative to `first`
        var releasedUnits = [Int](repeating: 0, count: count)  // per packet index
        var audioUnits = 0
        var missingUnits = 0
        for output in released {
            switch output {
            case .missing(let missing):
                #expect(missing > 0)
                missingUnits += missing
            case .audio(let bytes):
                #expect(!bytes.isEmpty)
                for (offset, byte) in bytes.enumerated() {
                    let at = position + offset
                    guard byte == Self.unit(first &+ UInt32(truncatingIfNeeded: at)) else {
                        Issue.record("seed \(seed): wrong byte at unit \(at)")
                        return
                    }
                    if at / units < count { releasedUnits[at / units] += 1 }
                }
                audioUnits += bytes.count
            }
            position += output.units
        }
        #expect(position >= count * units, "the whole stream was covered")
        #expect(audioUnits + missingUnits == position - firstIndex * units)
        #expect(driver.buffer.missingUnits == missingUnits)
        #expect(driver.buffer.resyncs == 0)

        // Each received packet: released as a tail of itself (usually whole), or counted late.
        let received = Set(arrivals.map(\.index))
        for index in 0..<count where releasedUnits[index] > 0 {
            #expect(received.contains(index), "seed \(seed): audio for packet \(index), never sent")
        }
        let contributing = received.filter { releasedUnits[$0] > 0 }.count
        #expect(arrivals.count - contributing == driver.buffer.late, "seed \(seed): late count")
        #expect(audioUnits == releasedUnits.reduce(0, +))
        #expect(audioUnits > count * units / 2, "most audio got through")
    }

    /// Adjacent releases of the same kind, merged: `[missing(160), missing(160)]` and
    /// `[missing(320)]` describe the same timeline.
    func merged(_ releases: [Released]) -> [Released] {
        var result: [Released] = []
        for release in releases {
            switch (result.last, release) {
            case (.missing(let a)?, .missing(let b)): result[result.count - 1] = .missing(a + b)
            case (.audio(let a)?, .audio(let b)): result[result.count - 1] = .audio(a + b)
            default: result.append(release)
            }
        }
        return result
    }
}

extension Int {
    /// `self / divisor`, required to be exact.
    fileprivate func quotient(_ divisor: Int) -> Int? {
        self % divisor == 0 ? self / divisor : nil
    }
}
