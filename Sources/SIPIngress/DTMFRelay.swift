/// Key presses carried in SIP INFO bodies: the de-facto formats carriers and PBXes send when
/// they do not use RFC 4733 events — `application/dtmf-relay` (`Signal=5` / `Duration=160`,
/// Cisco's format) and `application/dtmf` (the digit alone), RFC 6086 §5 legacy INFO usage.
public enum DTMFRelay {
    /// The content types the bridge takes in INFO.
    public static let contentTypes = ["application/dtmf-relay", "application/dtmf"]

    /// A key press read from an INFO body.
    public struct KeyPress: Sendable, Hashable {
        /// `0`-`9`, `*`, `#`, `A`-`D`.
        public let digit: Character
        /// How long the key was held, in milliseconds (100 when the body does not say).
        public let durationMilliseconds: Int
    }

    /// Parses an INFO body.
    /// - Parameters:
    ///   - contentType: the `Content-Type` (parameters ignored, case-insensitive).
    ///   - body: the body bytes.
    /// - Returns: the key press, or `nil` if the type is not a DTMF type or the body is not one.
    public static func parse(contentType: String, body: [UInt8]) -> KeyPress? {
        let type = contentType.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
        let text = String(decoding: body, as: UTF8.self)
        switch type {
        case "application/dtmf-relay":
            var digit: Character?
            var duration = 100
            for line in text.split(whereSeparator: \.isNewline) {  // "\r\n" is one Character
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
                guard parts.count == 2 else { continue }
                switch parts[0].lowercased() {
                case "signal": digit = Self.digit(parts[1])
                case "duration": if let value = Int(parts[1]), (1...60_000).contains(value) { duration = value }
                default: continue
                }
            }
            return digit.map { KeyPress(digit: $0, durationMilliseconds: duration) }
        case "application/dtmf":
            return Self.digit(text.trimmingSpaces()).map { KeyPress(digit: $0, durationMilliseconds: 100) }
        default:
            return nil
        }
    }

    /// A digit from its text: the character itself, or an event code 0-15 (RFC 4733 §3.2:
    /// 10 is `*`, 11 is `#`, 12-15 are `A`-`D`), as some gateways write it.
    private static func digit(_ text: String) -> Character? {
        if let code = Int(text), (0...15).contains(code) {
            return Array("0123456789*#ABCD")[code]
        }
        guard text.count == 1, let character = text.uppercased().first, "0123456789*#ABCD".contains(character) else {
            return nil
        }
        return character
    }
}
