public import NIOCore

/// Puts the caller's RTP back in timestamp order with the least delay (ARCHITECTURE "Caller →
/// AI"): in-order packets go out at once; a gap is held at most `reorderWindow` for a late
/// packet, then declared lost; when nothing arrives (loss or DTX) the buffer keeps declaring
/// 20 ms of missing audio on the clock, so the stream's `chunk` and `timestamp` stay on time.
/// A gap in timestamps that the sequence numbers show to be no gap in packets (the next
/// packet in sequence after a silence, RFC 3551 §4.1) is silence, not loss: nothing will fill
/// it, so it is declared at once and the packet is not held.
///
/// Pure: time is an argument (STYLE.md rule 9). The driver calls `push` per packet and `tick`
/// at `nextDeadline`; missing audio comes out as `.missing(units:)` for the concealer to fill.
/// Units are RTP timestamp units; for G.711 and G.722 one unit is one payload byte.
public struct InboundJitterBuffer: Sendable {
    /// Tuning.
    public struct Configuration: Sendable {
        /// The RTP clock rate (8000 for G.711 and G.722).
        public var clockRate = 8000
        /// Units in one 20 ms frame.
        public var frameUnits = 160
        /// How long a gap is held for a late packet (`rtp.reorder_ms`).
        public var reorderWindow: TimeAmount = .milliseconds(20)
        /// Out-of-order packets held at most; beyond it the oldest gap is given up.
        public var maximumHeld = 32
        /// A jump larger than this (units), forward or back, is a new timeline, not loss (2 s).
        public var resyncUnits: Int64 = 16_000
        /// Missing frames declared in one tick at most (bounds the work after a stall).
        public var maximumFillPerTick = 50

        /// Creates the default configuration.
        public init() {}
    }

    /// What the buffer releases, in timestamp order.
    public enum Output: Sendable {
        /// Received audio (a payload slice).
        case audio(ByteBuffer)
        /// Audio that did not arrive in time: this many units must be concealed.
        case missing(units: Int)
    }

    private struct Held: Sendable {
        var timestamp: Int64
        var sequenceNumber: UInt16?
        var payload: ByteBuffer
        var arrival: NIODeadline
    }

    private let configuration: Configuration
    private var timestamps = SequenceUnwrapper(bits: 32)
    private var next: Int64?
    /// The sequence number of the packet that ends at `next`, or of a packet of the same
    /// stream that followed it in sequence without audio (comfort noise, telephone-event).
    private var lastSequence: UInt16?
    private var nextDue: NIODeadline?
    private var held: [Held] = []
    private var holdDeadline: NIODeadline?
    /// Packets that arrived after their audio had been declared missing (dropped).
    public private(set) var late = 0
    /// Units declared missing (lost or DTX).
    public private(set) var missingUnits = 0
    /// Timeline restarts (large timestamp jumps, new SSRC).
    public private(set) var resyncs = 0

    /// Creates a buffer.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        held.reserveCapacity(configuration.maximumHeld)
    }

    /// When `tick` must run next, if anything is pending.
    public var nextDeadline: NIODeadline? {
        if let holdDeadline { return holdDeadline }
        return nextDue.map { $0 + configuration.reorderWindow }
    }

    /// Starts the 20 ms clock before any packet arrives (at answer time), so the stream gets
    /// frames even while the caller sends nothing; the first packet then starts the timeline.
    public mutating func startClock(at now: NIODeadline) {
        guard next == nil, nextDue == nil else { return }
        nextDue = now
    }

    /// Forgets the timeline (a new SSRC): the next packet starts afresh; the 20 ms clock keeps
    /// running meanwhile.
    public mutating func reset() {
        if next != nil { resyncs += 1 }
        timestamps = SequenceUnwrapper(bits: 32)
        next = nil
        lastSequence = nil
        held.removeAll(keepingCapacity: true)
        holdDeadline = nil
    }

    /// Adds a packet's payload.
    /// - Parameters:
    ///   - timestamp: its RTP timestamp.
    ///   - sequenceNumber: its RTP sequence number (RFC 3550 §5.1); `nil` when unknown, and a
    ///     gap in timestamps is then always held as possible loss.
    ///   - payload: the codec bytes (one byte per unit).
    ///   - arrival: when it arrived.
    ///   - outputs: receives whatever can be released now.
    public mutating func push(
        timestamp: UInt32, sequenceNumber: UInt16?, payload: ByteBuffer, arrival: NIODeadline,
        into outputs: inout [Output]
    ) {
        let start = timestamps.unwrap(timestamp)
        if let expected = next, start > expected {
            // A packet beyond a gap: deadlines already passed apply first, so it sees the same
            // buffer whether the timer ran on time, late, or not yet. A packet for the expected
            // slot itself skips this: if it sat in the socket while the event loop was busy, it
            // still fills its slot rather than be declared missing at the moment it is read.
            tick(now: arrival, into: &outputs)
        }
        let packet = Held(timestamp: start, sequenceNumber: sequenceNumber, payload: payload, arrival: arrival)
        guard let expected = next else {
            emit(packet, at: start, into: &outputs)
            return
        }
        if abs(start - expected) > configuration.resyncUnits {
            // A jump either way, not loss or lateness (a sender restarting its timestamps keeps
            // its SSRC sometimes): release what is held and start a new timeline here.
            drainAll(into: &outputs)
            resyncs += 1
            emit(packet, at: start, into: &outputs)
            return
        }
        if start > expected {
            if held.isEmpty, followsInSequence(sequenceNumber) {
                // RFC 3550 §5.1: the sequence number counts packets, the timestamp time. The
                // next packet in sequence across a timestamp gap ends a silence (RFC 3551
                // §4.1): no packet is missing, so the rest of the silence is declared now and
                // this packet plays at once instead of waiting out the reorder window.
                declareMissing(upTo: start, into: &outputs)
                emit(packet, at: start, into: &outputs)
                return
            }
            hold(packet, into: &outputs)
            return
        }
        release(packet, into: &outputs)
        drainContiguous(into: &outputs)
    }

    /// A packet of the same stream without audio for this buffer (comfort noise, RFC 3389; a
    /// telephone-event, RFC 4733) arrived: it takes a sequence number but leaves no gap in
    /// the audio, so the next audio packet in sequence after it still ends a silence.
    public mutating func noteSequenceNumber(_ sequenceNumber: UInt16) {
        guard followsInSequence(sequenceNumber) else { return }
        lastSequence = sequenceNumber
    }

    /// Releases held audio whose wait is over and declares missing what never came.
    /// - Parameters:
    ///   - now: the current time.
    ///   - outputs: receives the released audio and missing units.
    public mutating func tick(now: NIODeadline, into outputs: inout [Output]) {
        if let deadline = holdDeadline, now >= deadline {
            drainAll(into: &outputs)
        }
        guard held.isEmpty, var due = nextDue else { return }
        // Before the first packet (`next == nil`) the clock runs on its own.
        var expected = next
        var filled = 0
        while now >= due + configuration.reorderWindow && filled < configuration.maximumFillPerTick {
            outputs.append(.missing(units: configuration.frameUnits))
            missingUnits += configuration.frameUnits
            expected = expected.map { $0 + Int64(configuration.frameUnits) }
            due = due + duration(units: configuration.frameUnits)
            filled += 1
        }
        if filled == configuration.maximumFillPerTick {
            // After a long stall, re-anchor instead of replaying every missed frame.
            due = now
        }
        next = expected
        nextDue = due
    }

    // MARK: - Internals

    private mutating func hold(_ packet: Held, into outputs: inout [Output]) {
        guard !held.contains(where: { $0.timestamp == packet.timestamp }) else {
            late += 1  // a duplicate of a held packet
            return
        }
        let index = held.firstIndex { $0.timestamp > packet.timestamp } ?? held.endIndex
        held.insert(packet, at: index)
        if holdDeadline == nil { holdDeadline = packet.arrival + configuration.reorderWindow }
        if held.count > configuration.maximumHeld { drainAll(into: &outputs) }
    }

    /// Releases a packet that starts at or before `next`: in full, its tail, or not at all.
    private mutating func release(_ packet: Held, into outputs: inout [Output]) {
        guard let expected = next else { return }
        let units = Int64(packet.payload.readableBytes)
        if packet.timestamp + units <= expected {
            late += 1
            // Its slot was declared missing: the sender (or the path) is now later than the
            // timeline the clock ran on, by a delay step or a stall. Expect `next` when this
            // packet's own rhythm brings it, or the clock, running on by itself, would stay
            // ahead of every later packet too and drop them all as late (a latch).
            let due = packet.arrival + duration(units: Int(expected - packet.timestamp))
            nextDue = max(nextDue ?? due, due)
            // Dropped, but not lost: the next packet in sequence after it leaves no gap either.
            if followsInSequence(packet.sequenceNumber) { lastSequence = packet.sequenceNumber }
            return
        }
        let skip = Int(expected - packet.timestamp)
        var tail = packet
        tail.payload = packet.payload.getSlice(
            at: packet.payload.readerIndex + skip, length: packet.payload.readableBytes - skip)!
        emit(tail, at: expected, into: &outputs)
    }

    /// Releases `packet`'s payload as the audio from `start` on.
    private mutating func emit(_ packet: Held, at start: Int64, into outputs: inout [Output]) {
        guard packet.payload.readableBytes > 0 else { return }
        outputs.append(.audio(packet.payload))
        next = start + Int64(packet.payload.readableBytes)
        lastSequence = packet.sequenceNumber
        let due = packet.arrival + duration(units: packet.payload.readableBytes)
        nextDue = max(nextDue ?? due, due)
    }

    /// Whether `sequenceNumber` is the one after the last packet released (modulo 2^16).
    private func followsInSequence(_ sequenceNumber: UInt16?) -> Bool {
        guard let sequenceNumber, let lastSequence else { return false }
        return sequenceNumber == lastSequence &+ 1
    }

    /// Declares the audio from `next` up to `start` missing.
    private mutating func declareMissing(upTo start: Int64, into outputs: inout [Output]) {
        guard let expected = next, start > expected else { return }
        let missing = Int(start - expected)
        outputs.append(.missing(units: missing))
        missingUnits += missing
        next = start
    }

    /// Releases held packets that now follow on without a gap.
    private mutating func drainContiguous(into outputs: inout [Output]) {
        while let first = held.first, let expected = next, first.timestamp <= expected {
            held.removeFirst()
            release(first, into: &outputs)
        }
        if held.isEmpty { holdDeadline = nil }
    }

    /// Gives up on every gap below the held packets and releases them all.
    private mutating func drainAll(into outputs: inout [Output]) {
        while let first = held.first {
            declareMissing(upTo: first.timestamp, into: &outputs)
            drainContiguous(into: &outputs)
        }
        holdDeadline = nil
    }

    private func duration(units: Int) -> TimeAmount {
        .nanoseconds(Int64(units) * 1_000_000_000 / Int64(configuration.clockRate))
    }
}
