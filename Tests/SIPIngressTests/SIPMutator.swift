import TestSupport

/// Mutates valid SIP messages the way broken stacks and attackers do: flipped and inserted
/// bytes, cut and repeated ranges, swapped lines, and tokens that stress a parser (separators,
/// escapes, huge numbers, NULs, stray CRLFs, long runs).
struct SIPMutator {
    private var random: SplitMix64

    private static let tokens: [[UInt8]] = [
        "\r\n", "\r\n\r\n", ":", ";", ",", "<", ">", "\"", "\\", "%00", "%", "@", "[", "]", "=", " ", "\t", "\r\n ",
        "0", "-1", "4294967296", "99999999999999999999", "SIP/2.0", "SIP/7.0", "Content-Length: 99999\r\n",
        "Content-Length: -5\r\n", "Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK\r\n", "CSeq: 1 INVITE\r\n",
        "To: <sip:a@b>;tag=x\r\n", "Max-Forwards: 0\r\n", "m=audio 0 RTP/AVP 0\r\n", "c=IN IP4 224.0.0.1\r\n",
        "sip:", "sips:", "tel:", ";lr", ";tag=", ";branch=", "z9hG4bK", "\u{0}", "\u{7f}", "\u{ff}",
    ].map { Array($0.utf8) }

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// One to eight mutations of `message`, never longer than 70,000 bytes.
    mutating func mutate(_ message: [UInt8]) -> [UInt8] {
        var bytes = message
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            mutateOnce(&bytes)
            if bytes.count > 70_000 { bytes.removeLast(bytes.count - 70_000) }
        }
        return bytes
    }

    private mutating func position(in bytes: [UInt8]) -> Int {
        bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
    }

    /// A whole line (with its LF) starting after a random position, if any.
    private mutating func randomLine(in bytes: [UInt8]) -> Range<Int>? {
        guard !bytes.isEmpty else { return nil }
        let from = Int.random(in: 0..<bytes.count, using: &random)
        guard let start = bytes[from...].firstIndex(of: 0x0A).map({ $0 + 1 }), start < bytes.count,
            let end = bytes[start...].firstIndex(of: 0x0A)
        else { return nil }
        return start..<(end + 1)
    }

    private mutating func mutateOnce(_ bytes: inout [UInt8]) {
        switch Int.random(in: 0..<9, using: &random) {
        case 0 where !bytes.isEmpty:  // flip a bit
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
        case 1:  // insert a random byte
            bytes.insert(UInt8.random(in: .min ... .max, using: &random), at: position(in: bytes))
        case 2 where !bytes.isEmpty:  // delete a range
            let start = Int.random(in: 0..<bytes.count, using: &random)
            bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...32, using: &random)))
        case 3 where !bytes.isEmpty:  // repeat a range
            let start = Int.random(in: 0..<bytes.count, using: &random)
            let range = Array(bytes[start..<min(bytes.count, start + Int.random(in: 1...64, using: &random))])
            let times = Int.random(in: 1...(Bool.random(using: &random) ? 2 : 200), using: &random)
            bytes.insert(contentsOf: Array([[UInt8]](repeating: range, count: times).joined()), at: position(in: bytes))
        case 4:  // insert a token
            let token = Self.tokens[Int.random(in: 0..<Self.tokens.count, using: &random)]
            bytes.insert(contentsOf: token, at: position(in: bytes))
        case 5 where !bytes.isEmpty:  // truncate
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
        case 6:  // move a line elsewhere
            guard let line = randomLine(in: bytes) else { return }
            let text = Array(bytes[line])
            bytes.removeSubrange(line)
            bytes.insert(contentsOf: text, at: position(in: bytes))
        case 7:  // replace a digit run with a huge or negative number
            guard !bytes.isEmpty else { return }
            let start = Int.random(in: 0..<bytes.count, using: &random)
            guard let index = bytes[start...].firstIndex(where: { (0x30...0x39).contains($0) }) else { return }
            let numbers = ["0", "-1", "65536", "4294967295", "4294967296", "18446744073709551616"]
            bytes.replaceSubrange(index...index, with: Array(numbers[Int.random(in: 0..<numbers.count, using: &random)].utf8))
        default:  // duplicate a line
            guard let line = randomLine(in: bytes) else { return }
            bytes.insert(contentsOf: Array(bytes[line]), at: position(in: bytes))
        }
    }
}
