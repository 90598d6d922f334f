public import NIOCore

/// A DTMF key press decoded from RFC 4733 telephone-events.
public struct DTMFDigit: Hashable, Sendable {
    /// `0`-`9`, `*`, `#`, `A`-`D`.
    public var digit: Character
    /// How long the key was held, in RTP timestamp units (RFC 4733 §2.5.1.3).
    public var durationUnits: Int
    /// The RTP timestamp of the event's start.
    public var timestamp: UInt32
}

/// Turns RFC 4733 telephone-event packets into one `DTMFDigit` per key press (§2.5.1):
/// an event is identified by its RTP timestamp; it is reported at its first end packet (E bit),
/// and its redundant end retransmissions are ignored. An event whose end packets were all lost
/// is reported when the next event starts.
public struct DTMFDetector: Sendable {
    private var current: (timestamp: UInt32, event: UInt8, duration: Int)?
    private var lastReported: UInt32?

    /// Creates a detector.
    public init() {}

    /// The RFC 4733 §3.2 event codes for DTMF.
    static func digit(for event: UInt8) -> Character? {
        switch event {
        case 0...9: Character(Unicode.Scalar(UInt8(ascii: "0") + event))
        case 10: "*"
        case 11: "#"
        case 12...15: Character(Unicode.Scalar(UInt8(ascii: "A") + event - 12))
        default: nil
        }
    }

    /// Feeds one telephone-event payload (§2.3: event, E|R|volume, 16-bit duration).
    /// - Parameters:
    ///   - payload: the RTP payload.
    ///   - timestamp: the packet's RTP timestamp (the event's start).
    /// - Returns: the key presses completed by this packet (at most two: a previous event whose
    ///   end was lost, and this one).
    public mutating func push(_ payload: ByteBuffer, timestamp: UInt32) -> [DTMFDigit] {
        guard payload.readableBytes >= 4,
            let event = payload.getInteger(at: payload.readerIndex, as: UInt8.self),
            let flags = payload.getInteger(at: payload.readerIndex + 1, as: UInt8.self),
            let duration = payload.getInteger(at: payload.readerIndex + 2, as: UInt16.self)
        else { return [] }
        // A straggler from an earlier event (timestamps compared modulo 2^32) is already
        // accounted for; taking it as a new event would report both presses again.
        if let current, Int32(bitPattern: timestamp &- current.timestamp) < 0 { return [] }
        var completed: [DTMFDigit] = []
        if let current, current.timestamp != timestamp, lastReported != current.timestamp {
            // A new event began before the previous one's end arrived.
            if let digit = Self.digit(for: current.event) {
                completed.append(DTMFDigit(digit: digit, durationUnits: current.duration, timestamp: current.timestamp))
            }
            lastReported = current.timestamp
        }
        guard lastReported != timestamp else { return completed }  // redundant end packets
        current = (timestamp, event, Int(duration))
        if flags & 0x80 != 0 {
            if let digit = Self.digit(for: event) {
                completed.append(DTMFDigit(digit: digit, durationUnits: Int(duration), timestamp: timestamp))
            }
            lastReported = timestamp
        }
        return completed
    }
}
