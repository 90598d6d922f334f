/// What the load generator writes at the start of every 20 ms µ-law frame it sends, so that the
/// other side of the bridge can tell which call and frame it is and when it left. G.711 µ-law
/// passes the bridge byte for byte in both directions (PCMU ⇄ `audio/x-mulaw;rate=8000`), so
/// the stamp survives. Both ends live in this process and share one monotonic clock.
struct Stamp: Equatable {
    enum Kind: UInt8 {
        /// A caller frame (caller → bridge → agent).
        case caller = 1
        /// The agent's echo of a caller frame (agent → bridge → caller).
        case echo = 2
        /// The first echo after the agent stayed silent for a while (first frame after idle).
        case firstAfterIdle = 3
        /// Audio queued ahead of a `clearAudio` (its `sequence` is the clear's number).
        case beforeClear = 4
    }

    static let size = 20
    /// Base64 characters that cover the stamp (20 bytes → 27 characters, rounded to a group).
    static let base64Prefix = 28
    private static let magic: (UInt8, UInt8) = (0xA5, 0x5A)

    var kind: Kind
    var call: UInt32
    var sequence: UInt32
    /// Nanoseconds on `LoadClock`.
    var time: UInt64

    /// Writes the stamp and fills the rest of the frame with a quiet µ-law pattern.
    func frame(length: Int = 160) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        bytes[0] = Self.magic.0
        bytes[1] = Self.magic.1
        bytes[2] = kind.rawValue
        for index in 0..<4 { bytes[4 + index] = UInt8(truncatingIfNeeded: call >> (24 - 8 * index)) }
        for index in 0..<4 { bytes[8 + index] = UInt8(truncatingIfNeeded: sequence >> (24 - 8 * index)) }
        for index in 0..<8 { bytes[12 + index] = UInt8(truncatingIfNeeded: time >> (56 - 8 * index)) }
        bytes[3] = Self.check(bytes)
        for index in Self.size..<length { bytes[index] = index % 2 == 0 ? 0xF7 : 0x77 }  // ≈ −40 dBFS
        return bytes
    }

    /// Reads a stamp from the start of a frame; `nil` for bridge silence or concealment.
    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count >= Self.size else { return nil }
        let head = Array(bytes.prefix(Self.size))
        // The check byte rejects look-alikes: the bridge's packet-loss concealment replays
        // pieces of earlier frames, which can put the magic at the start of a frame.
        guard head[0] == Self.magic.0, head[1] == Self.magic.1, let kind = Kind(rawValue: head[2]), head[3] == Self.check(head)
        else { return nil }
        self.kind = kind
        call = head[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
        sequence = head[8..<12].reduce(0) { $0 << 8 | UInt32($1) }
        time = head[12..<20].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A check byte over the stamp's fields (bytes 2 and 4–19).
    private static func check(_ bytes: [UInt8]) -> UInt8 {
        var sum: UInt8 = 0x5C
        for index in [2] + Array(4..<size) { sum = (sum &* 31) &+ bytes[index] }
        return sum
    }

    init(kind: Kind, call: UInt32, sequence: UInt32, time: UInt64) {
        self.kind = kind
        self.call = call
        self.sequence = sequence
        self.time = time
    }
}

/// The one clock both ends read: nanoseconds since the process started (monotonic).
enum LoadClock {
    private static let origin = ContinuousClock.now

    static var now: UInt64 {
        let start = origin  // first use sets the origin: read it before the time
        let elapsed = ContinuousClock.now - start
        return UInt64(elapsed.components.seconds) * 1_000_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000)
    }
}
