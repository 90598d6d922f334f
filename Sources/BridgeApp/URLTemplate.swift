import Foundation

/// The values a stream URL template can use (the AI server learns the caller and callee from
/// the URL, since `start` does not carry them, spec §3.1 and §9).
struct StreamIdentity: Sendable {
    var callID: String
    var streamID: String
    var fromUser: String
    var toUser: String

    /// Values used to validate a template at configuration time.
    static let placeholder = StreamIdentity(callID: "c", streamID: "s", fromUser: "f", toUser: "t")
}

/// A stream URL with `{call_id}`, `{stream_id}`, `{from_user}` and `{to_user}` placeholders.
/// Values are percent-encoded (RFC 3986 §2.1) so a hostile From user cannot change the URL's
/// structure.
struct URLTemplate: Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    func expand(_ identity: StreamIdentity) -> String {
        guard text.contains("{") else { return text }
        return text
            .replacingOccurrences(of: "{call_id}", with: Self.percentEncode(identity.callID))
            .replacingOccurrences(of: "{stream_id}", with: Self.percentEncode(identity.streamID))
            .replacingOccurrences(of: "{from_user}", with: Self.percentEncode(identity.fromUser))
            .replacingOccurrences(of: "{to_user}", with: Self.percentEncode(identity.toUser))
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
