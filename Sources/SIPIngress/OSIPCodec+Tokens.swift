import COSIP2

/// The tokens and numbers every message repeats (methods, transports, header and parameter
/// names, ports, CSeq numbers), read from libosip2's strings without building a `String` from
/// bytes where a literal or an integer will do: building one validates its UTF-8 and, past 15
/// bytes, allocates, and a carrier INVITE has dozens of such tokens.
extension OSIPCodec {
    /// Tokens compared byte for byte (case-sensitively), so a match returns text identical to
    /// what was parsed.
    struct Tokens {
        /// Each token's bytes, and the string returned for it (made once).
        fileprivate let literals: [(bytes: StaticString, text: String)]
        /// Each token's length in bytes, scanned before any token is compared.
        fileprivate let counts: [Int]

        init(_ literals: [StaticString]) {
            self.literals = literals.map { ($0, $0.description) }
            counts = literals.map(\.utf8CodeUnitCount)
        }

        /// `body`'s result for the first token `count` bytes long it gives one for.
        fileprivate func first<T>(ofCount count: Int, _ body: (_ bytes: StaticString, _ text: String) -> T?) -> T? {
            counts.withUnsafeBufferPointer { counts in
                for index in counts.indices where counts[index] == count {
                    if let result = body(literals[index].bytes, literals[index].text) { return result }
                }
                return nil
            }
        }

        /// The tokens' texts.
        var texts: [String] { literals.map(\.text) }

        /// RFC 3261 §7.1 and the extension methods a trunk sends (RFC 3262, 3311, 3428, 3515,
        /// 6086, 6665).
        static let methods = Tokens([
            "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "UPDATE", "INFO", "PRACK", "REGISTER", "NOTIFY", "REFER",
            "SUBSCRIBE", "MESSAGE",
        ])
        /// Via transports (RFC 3261 §20.42; RFC 7118's WS and WSS).
        static let transports = Tokens(["UDP", "TCP", "TLS", "SCTP", "WS", "WSS"])
        /// Via parameters (RFC 3261 §20.42, RFC 3581 §3).
        static let viaParameters = Tokens(["branch", "rport", "received", "maddr", "ttl", "alias"])
        /// URI schemes (RFC 3261 §19.1, RFC 3966).
        static let schemes = Tokens(["sip", "sips", "tel"])
        /// SDP media types and transport protocols (RFC 4566 §5.14, RFC 3551, RFC 5124, RFC 5764).
        static let mediaTypes = Tokens(["audio", "video", "image", "application", "text", "message"])
        static let mediaProtocols = Tokens(["RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF", "udptl"])
        /// SDP address types (RFC 4566 §5.7).
        static let addressTypes = Tokens(["IP4", "IP6"])
        /// `a=rtpmap` encoding names (RFC 3551 §6, RFC 4733, RFC 7587, RFC 3389).
        static let encodingNames = Tokens([
            "PCMU", "PCMA", "G722", "G729", "telephone-event", "opus", "L16", "CN", "GSM", "iLBC", "AMR", "AMR-WB",
        ])
        /// Header names libosip2 keeps in its generic list, as it stores them (lower case).
        static let headerNames = Tokens([
            "max-forwards", "supported", "require", "session-expires", "min-se", "user-agent", "server", "subject",
            "p-asserted-identity", "p-preferred-identity", "privacy", "remote-party-id", "diversion",
            "history-info", "p-charging-vector", "p-early-media", "reason", "event", "refer-to",
            "referred-by", "replaces", "rseq", "rack", "organization", "date", "timestamp", "priority",
        ])
    }

    /// The literal from `tokens` that `bytes` spell with letters in any case (`tokens` written
    /// in lower case), if any.
    static func literal(folding bytes: UnsafeRawBufferPointer, among tokens: Tokens) -> String? {
        tokens.first(ofCount: bytes.count) { literal, text in UninterpretedFields.isFolded(bytes, literal) ? text : nil }
    }

    /// `pointer`'s text: a literal from `tokens` when it is one of them, else a new string.
    static func string(_ pointer: UnsafeMutablePointer<CChar>?, among tokens: Tokens) -> String? {
        guard let pointer else { return nil }
        return string(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), among: tokens)
    }

    /// `bytes` as text: a literal from `tokens` when it is one of them, else a new string.
    static func string(_ bytes: UnsafeRawBufferPointer, among tokens: Tokens) -> String {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return "" }
        return tokens.first(ofCount: bytes.count) { literal, text in memcmp(literal.utf8Start, base, bytes.count) == 0 ? text : nil }
            ?? String(decoding: bytes, as: UTF8.self)
    }

    /// An SDP format (RFC 4566 §5.14): RTP payload types 0-127, written without leading zeros,
    /// come from a table made once; anything else is a new string.
    static func format(_ pointer: UnsafeMutablePointer<CChar>) -> String {
        let digits = bytes(pointer)
        if let value = HeaderFieldScan.decimal(digits), value < payloadTypeTexts.count, digits.count == (value < 10 ? 1 : value < 100 ? 2 : 3) {
            return payloadTypeTexts[value]
        }
        return String(decoding: digits, as: UTF8.self)
    }

    private static let payloadTypeTexts = (0..<128).map { String($0) }

    /// `pointer`'s text as an integer, as `T(String)` reads it: plain digits are read in place
    /// (`HeaderFieldScan.decimal`; at most nine, below 2^30, so they fit any `T` of 32 bits or
    /// more), anything else (a sign, more digits, garbage) goes through `T(String)` itself.
    static func integer<T: FixedWidthInteger>(_ pointer: UnsafeMutablePointer<CChar>?, as type: T.Type) -> T? {
        guard let pointer else { return nil }
        return integer(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: type)
    }

    /// `text` as an integer, read as `integer(_:as:)` reads a C string.
    static func integer<T: FixedWidthInteger>(_ text: UnsafeRawBufferPointer, as type: T.Type) -> T? {
        let digits = text.assumingMemoryBound(to: UInt8.self)[...]
        if digits.count <= 9, T.bitWidth >= 32, let value = HeaderFieldScan.decimal(digits) { return T(value) }
        return T(String(decoding: text, as: UTF8.self))
    }

    /// The Call-ID as `osip_call_id_to_str` writes it (`number@host`, RFC 3261 §20.8), without
    /// its `sprintf`. Debug builds check the two agree.
    static func callIDText(_ callID: UnsafeMutablePointer<osip_call_id_t>) -> String? {
        guard let number = callID.pointee.number else { return nil }
        let text = joined(number, callID.pointee.host.map { (UInt8(ascii: "@"), $0) })
        assert(text == toString(callID, osip_call_id_to_str), "Call-ID text differs from libosip2's")
        return text
    }

    /// A Content-Type without parameters as `osip_content_type_to_str` writes it (`type/subtype`,
    /// RFC 3261 §20.15); one with parameters through libosip2. Debug builds check the two agree.
    static func contentTypeText(_ type: UnsafeMutablePointer<osip_content_type_t>) -> String? {
        guard type.pointee.gen_params.nb_elt == 0, let main = type.pointee.type, let sub = type.pointee.subtype else {
            return toString(type, osip_content_type_to_str)
        }
        let text = joined(main, (UInt8(ascii: "/"), sub))
        assert(text == toString(type, osip_content_type_to_str), "Content-Type text differs from libosip2's")
        return text
    }

    /// `first`, then the separator and the second string if there is one, in one string.
    private static func joined(
        _ first: UnsafeMutablePointer<CChar>, _ rest: (separator: UInt8, text: UnsafeMutablePointer<CChar>)?
    ) -> String {
        let firstCount = strlen(first)
        let restCount = rest.map { strlen($0.text) } ?? 0
        let total = firstCount + (rest == nil ? 0 : 1 + restCount)
        guard total > 0 else { return "" }
        return String(unsafeUninitializedCapacity: total) { out in
            UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: first, byteCount: firstCount)
            if let rest {
                out[firstCount] = rest.separator
                UnsafeMutableRawPointer(out.baseAddress! + firstCount + 1).copyMemory(from: rest.text, byteCount: restCount)
            }
            return total
        }
    }

    /// Whether `pointer` holds `text`, ASCII letters folded (RFC 3261 §7.1's SIP-Version).
    static func holds(_ pointer: UnsafeMutablePointer<CChar>?, _ text: StaticString) -> Bool {
        guard let pointer else { return false }
        return HeaderFieldScan.equalFolded(
            bytes(pointer), UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
