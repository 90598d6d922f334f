/// The sending side of RFC 4733 telephone-events: key presses queued on request become
/// event packets on the stream's 20 ms grid, one slot at a time.
///
/// Each digit is a tone of `toneUnits` (§2.5.1.2: every packet of an event carries the event's
/// start timestamp and the duration so far; the first has the marker bit), ended by an
/// end-bit packet sent `endPackets` times in consecutive slots (§2.5.1.4), then `gapUnits` of
/// ordinary audio before the next digit. While an event plays, the slot carries the event
/// instead of audio; the stream's timestamp still advances by one frame per slot.
public struct TelephoneEventSender: Sendable {
    /// Timing and level of the generated events.
    public struct Configuration: Sendable {
        /// Tone length (100 ms at 8000 Hz, a common carrier default).
        public var toneUnits = 800
        /// Audio between two digits (60 ms).
        public var gapUnits = 480
        /// Copies of the final packet (§2.5.1.4 recommends three).
        public var endPackets = 3
        /// The volume field: power level in -dBm0 (§2.3.4), 10 = -10 dBm0.
        public var volume: UInt8 = 10
        /// Timestamp units per slot (160 = 20 ms at 8000 Hz).
        public var frameUnits = 160

        /// Creates the default configuration.
        public init() {}
    }

    /// One event packet to send in the current slot.
    public struct Packet: Sendable, Equatable {
        /// The RTP timestamp: the event's start (§2.5.1.2).
        public var timestamp: UInt32
        /// Set on the first packet of the event (§2.5.1.1).
        public var marker: Bool
        /// The 4-byte payload (§2.3): event, E|R|volume, duration.
        public var payload: [UInt8]
    }

    public let configuration: Configuration
    private var queue: [UInt8] = []
    private var current: (event: UInt8, start: UInt32, slots: Int, endsSent: Int)?
    private var gapSlotsLeft = 0

    /// Creates a sender.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Whether an event is playing or queued; audio pauses for its slots.
    public var isActive: Bool { current != nil || (!queue.isEmpty && gapSlotsLeft == 0) }

    /// Digits waiting to start (the playing one excluded).
    public var queuedDigits: Int { queue.count }

    /// The RFC 4733 §3.2 event code of a DTMF key, if it is one.
    public static func eventCode(for digit: Character) -> UInt8? {
        switch digit {
        case "0"..."9": digit.asciiValue! - UInt8(ascii: "0")
        case "*": 10
        case "#": 11
        case "A"..."D": digit.asciiValue! - UInt8(ascii: "A") + 12
        default: nil
        }
    }

    /// Queues key presses; characters that are not DTMF keys are skipped.
    /// - Returns: how many digits were queued.
    @discardableResult
    public mutating func enqueue(_ digits: String) -> Int {
        let codes = digits.compactMap(Self.eventCode(for:))
        queue.append(contentsOf: codes)
        return codes.count
    }

    /// Drops queued digits (the one playing finishes, so the caller never hears a cut tone).
    public mutating func clearQueue() {
        queue.removeAll()
    }

    /// Decides the current slot: an event packet, or `nil` for ordinary audio.
    /// - Parameter timestamp: the RTP timestamp this slot would carry as audio.
    public mutating func nextSlot(timestamp: UInt32) -> Packet? {
        if current == nil {
            if gapSlotsLeft > 0 {
                gapSlotsLeft -= 1
                return nil
            }
            guard !queue.isEmpty else { return nil }
            current = (queue.removeFirst(), timestamp, 0, 0)
        }
        guard var event = current else { return nil }
        event.slots += 1
        let toneSlots = max(1, (configuration.toneUnits + configuration.frameUnits - 1) / configuration.frameUnits)
        let ending = event.slots >= toneSlots
        let duration = UInt16(clamping: min(event.slots, toneSlots) * configuration.frameUnits)
        let packet = Packet(
            timestamp: event.start, marker: event.slots == 1,
            payload: [
                event.event, (ending ? 0x80 : 0) | (configuration.volume & 0x3F), UInt8(duration >> 8),
                UInt8(duration & 0xFF),
            ])
        if ending { event.endsSent += 1 }
        if ending && event.endsSent >= configuration.endPackets {
            current = nil
            gapSlotsLeft = configuration.gapUnits / configuration.frameUnits
        } else {
            current = event
        }
        return packet
    }
}
