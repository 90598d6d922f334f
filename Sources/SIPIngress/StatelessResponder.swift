/// Answers datagrams that libosip2 could not parse (RFC 3261 §8.2, §16.3 "respond statelessly").
///
/// A 400 copies the request's Via, From, To, Call-ID and CSeq (§8.2.6.2). When the message is a
/// request and a plain line scan finds at least its Via (where the answer goes) and CSeq (what
/// the client matches it with, §17.1.3), those headers that are there are copied verbatim into
/// the 400 — a request missing From, To or Call-ID gets its 400 too (RFC 4475 §3.3.1 insuf).
/// Otherwise the datagram is dropped, and responses are never answered (RFC 4475 §3.1.2.19).
public enum StatelessResponder {
    /// Header names (long and compact form, RFC 3261 §7.3.3) copied into the 400.
    private static let copied: [String: String] = [
        "via": "Via", "v": "Via", "from": "From", "f": "From", "to": "To", "t": "To",
        "call-id": "Call-ID", "i": "Call-ID", "cseq": "CSeq",
    ]

    /// Builds a `400 Bad Request` (or another error status) for an unparsable datagram, or
    /// returns `nil` to drop it.
    /// - Parameters:
    ///   - bytes: the datagram.
    ///   - status: the status code, 400 unless the defect has its own (505 for a foreign
    ///     SIP-Version, RFC 3261 §21.5.6).
    ///   - reason: a short reason phrase describing the defect.
    ///   - extraHeaders: headers added after the copied ones (`Allow` with a 501).
    public static func badRequest(
        for bytes: some Collection<UInt8>, status: Int = 400, reason: String = "Bad Request",
        extraHeaders: [(name: String, value: String)] = []
    ) -> [UInt8]? {
        let head = lines(of: bytes, limit: 400)
        // A request line ends in a SIP-Version (any version: a foreign one is answered 505).
        // An ACK is never answered (RFC 3261 §17.2.1: it has no response).
        guard let startLine = head.first, !startLine.hasPrefix("SIP/"), startLine.contains(" SIP/"),
            !startLine.hasPrefix("ACK ")
        else {
            return nil
        }
        var found: [(String, String)] = []
        var seen: Set<String> = []
        for line in head.dropFirst() {
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters().lowercased()
            guard let canonical = copied[name] else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters()
            guard !value.isEmpty, value.allSatisfy({ $0 != "\r" && $0 != "\n" }) else { continue }
            found.append((canonical, value))
            seen.insert(canonical)
        }
        guard seen.contains("Via"), seen.contains("CSeq") else { return nil }
        // `isNewline`: CR LF is one Character, equal to neither "\r" nor "\n".
        let safeReason = reason.filter { $0.isASCII && !$0.isNewline }
        var response = "SIP/2.0 \(status) \(safeReason)\r\n"
        for (name, value) in found { response += "\(name): \(value)\r\n" }
        for (name, value) in extraHeaders { response += "\(name): \(value)\r\n" }
        response += "Server: sipbridge\r\nContent-Length: 0\r\n\r\n"
        return Array(response.utf8)
    }
}

extension StatelessResponder {
    /// The scheme of a request line's Request-URI when it is a well-formed scheme other than
    /// `sip`/`sips` (RFC 3261 §25.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`). libosip2
    /// refuses some such URIs outright (`soap.beep://…`, RFC 4475 §3.3.3 novelsc); the answer is
    /// still `416 Unsupported URI Scheme` (§8.2.2.1), not 400.
    public static func foreignScheme(in bytes: some Collection<UInt8>) -> String? {
        guard let (_, uri) = requestLine(of: bytes), let colon = uri.firstIndex(of: ":") else { return nil }
        let scheme = String(uri[..<colon])
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return nil }
        return SIPURI.isSIPScheme(scheme) ? nil : scheme
    }
}

extension StatelessResponder {
    /// The methods the user agent implements or answers by name (405, 481): any other method
    /// is an extension it does not know (RFC 3261 §8.2.1: `501 Not Implemented`).
    private static let knownMethods: Set<Substring> = [
        "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "UPDATE", "PRACK", "REGISTER",
    ]

    /// The request line's method when it is a well-formed extension method the user agent does
    /// not implement. RFC 3261 §8.2.1 inspects the method before any header, so such a request
    /// is answered `501` even when libosip2 refused another part of it (RFC 4475 §3.1.1.2
    /// intmeth: `!interesting-Method0123456789_*+`.%indeed'~` with a quoted NUL in its To).
    /// Methods are case-sensitive tokens (§7.1, §25.1).
    public static func extensionMethod(in bytes: some Collection<UInt8>) -> String? {
        guard let (method, _) = requestLine(of: bytes), !method.isEmpty,
            method.utf8.allSatisfy(HeaderFieldScan.isTokenCharacter), !knownMethods.contains(method)
        else { return nil }
        return String(method)
    }
}

/// The method and Request-URI of a request line `Method SP Request-URI SP SIP-Version`
/// (RFC 3261 §7.1), or `nil` for a status line or anything else.
private func requestLine(of bytes: some Collection<UInt8>) -> (method: Substring, uri: Substring)? {
    guard let startLine = lines(of: bytes, limit: 1).first, !startLine.hasPrefix("SIP/") else { return nil }
    let parts = startLine.split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[2].hasPrefix("SIP/") else { return nil }
    return (parts[0], parts[1])
}

/// At most `limit` lines of `bytes`, split on LF with a trailing CR removed (RFC 3261 §7.5
/// requires CRLF; the scanner is lenient so that a 400 can still be sent for a sloppy message).
private func lines(of bytes: some Collection<UInt8>, limit: Int) -> [Substring] {
    var result: [Substring] = []
    for raw in bytes.split(separator: 0x0A, maxSplits: limit, omittingEmptySubsequences: false).prefix(limit) {
        var line = Array(raw)
        if line.last == 0x0D { line.removeLast() }
        result.append(Substring(String(decoding: line, as: UTF8.self)))
    }
    return result
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        var slice = self
        while let c = slice.first, c == " " || c == "\t" { slice.removeFirst() }
        while let c = slice.last, c == " " || c == "\t" { slice.removeLast() }
        return String(slice)
    }
}
