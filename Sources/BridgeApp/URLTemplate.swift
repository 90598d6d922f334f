import Foundation

/// The values a stream URL template can use (the AI server learns the caller and callee from
/// the URL, since `start` does not carry them, spec §3.1 and §9).
struct StreamIdentity: Sendable {
    var callID: String
    var streamID: String
    var fromUser: String
    var toUser: String
    /// Named capture groups of the route's `match` regexes (`(?<name>…)` → `{name}`).
    var captures: [String: String] = [:]

    /// Values used to validate a template at configuration time.
    static let placeholder = StreamIdentity(callID: "c", streamID: "s", fromUser: "f", toUser: "t")

    /// Every placeholder's value; the built-in names win over captures of the same name.
    var values: [String: String] {
        captures.merging(
            ["call_id": callID, "stream_id": streamID, "from_user": fromUser, "to_user": toUser]
        ) { _, builtIn in builtIn }
    }
}

/// A stream URL with `{call_id}`, `{stream_id}`, `{from_user}`, `{to_user}` and route-capture
/// `{name}` placeholders. Values are percent-encoded (RFC 3986 §2.1) so a hostile From user
/// cannot change the URL's structure.
struct URLTemplate: Sendable {
    /// The placeholders every route has.
    static let builtInNames: Set<String> = ["call_id", "stream_id", "from_user", "to_user"]

    let text: String

    init(_ text: String) { self.text = text }

    /// The names between braces, in order (`{name}` where name is `[A-Za-z_][A-Za-z0-9_]*`).
    var placeholders: [String] {
        var names: [String] = []
        forEachPart { part in if case .placeholder(let name) = part { names.append(name) } }
        return names
    }

    /// The URL for `identity`: placeholders replaced by their percent-encoded values.
    func expand(_ identity: StreamIdentity) -> String {
        substitute(identity, Self.percentEncode)
    }

    /// The text for `identity` with the values as they are (for `stream.parameters`, which go
    /// into JSON, not into a URL).
    func fill(_ identity: StreamIdentity) -> String {
        substitute(identity) { $0 }
    }

    private func substitute(_ identity: StreamIdentity, _ encode: (String) -> String) -> String {
        guard text.contains("{") else { return text }
        let values = identity.values
        var result = ""
        forEachPart { part in
            switch part {
            case .literal(let text): result += text
            case .placeholder(let name): result += encode(values[name] ?? "")
            }
        }
        return result
    }

    private enum Part {
        case literal(Substring)
        case placeholder(String)
    }

    /// Splits the text into literals and placeholders; a brace that does not start a
    /// well-formed placeholder stays literal.
    private func forEachPart(_ body: (Part) -> Void) {
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "}"),
                Self.isIdentifier(rest[afterOpen..<close])
            else {
                body(.literal(rest[...open]))
                rest = rest[afterOpen...]
                continue
            }
            if open > rest.startIndex { body(.literal(rest[..<open])) }
            body(.placeholder(String(rest[afterOpen..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { body(.literal(rest)) }
    }

    static func isIdentifier(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return text.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncode(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "+"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return result
    }
}
