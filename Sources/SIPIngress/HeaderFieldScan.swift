/// Reading header field values the way RFC 3261 §7.3.1 defines them — names and tokens
/// compared with ASCII case folded, comma-separated lists, optional white space around
/// elements — byte by byte: these run for every INVITE, so they copy only what they return.
extension SIPMessage {
    /// Every value of a header (by full or compact name), comma-separated lists split.
    func headerValues(_ name: String, compact: String? = nil) -> [String] {
        var values: [String] = []
        for header in otherHeaders where header.name.isField(name, compact: compact) {
            HeaderFieldScan.forEachElement(of: header.value) { element in
                values.append(String(decoding: element, as: UTF8.self))
                return false
            }
        }
        return values
    }

    /// Whether a list header (by full or compact name) has `token` among its elements, e.g.
    /// `Supported: timer` or `Allow: UPDATE` (RFC 3261 §20.37, §20.5), case-insensitively.
    func header(_ name: String, compact: String? = nil, lists token: String) -> Bool {
        otherHeaders.contains { header in
            header.name.isField(name, compact: compact)
                && HeaderFieldScan.forEachElement(of: header.value) { HeaderFieldScan.equalFolded($0, token.utf8) }
        }
    }
}

enum HeaderFieldScan {
    /// Calls `body` with each element of a comma-separated value, white space trimmed and
    /// empty elements skipped, until it returns true.
    /// - Returns: whether `body` returned true.
    @discardableResult
    static func forEachElement(of value: String, _ body: (Substring.UTF8View) -> Bool) -> Bool {
        let utf8 = Substring(value).utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: ",")) ?? utf8.endIndex
            let element = trimmed(utf8[start..<end])
            if !element.isEmpty, body(element) { return true }
            start = end < utf8.endIndex ? utf8.index(after: end) : end
        }
        return false
    }

    /// `bytes` without leading and trailing spaces, tabs and line ends.
    static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { bytes.formIndex(after: &start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { bytes.formIndex(before: &end) }
        return bytes[start..<end]
    }

    /// Equality with ASCII letters compared case-insensitively.
    static func equalFolded<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in x == y || (x | 0x20 == y | 0x20 && (0x61...0x7A).contains(x | 0x20)) }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }
}

extension String {
    /// Equality with ASCII letters compared case-insensitively (header names, RFC 3261 §7.3.1).
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        HeaderFieldScan.equalFolded(utf8, other.utf8)
    }

    /// Whether this header name is `name` or its compact form (RFC 3261 §7.3.3).
    func isField(_ name: String, compact: String?) -> Bool {
        equalsIgnoringASCIICase(name) || compact.map(equalsIgnoringASCIICase) == true
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space and line ends (ASCII).
    func trimmingSpaces() -> String {
        String(decoding: HeaderFieldScan.trimmed(Substring(self).utf8), as: UTF8.self)
    }
}
