#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading header field values the way RFC 3261 §7.3.1 defines them — names and tokens
/// compared with ASCII case folded, comma-separated lists, optional white space around
/// elements — byte by byte: these run for every INVITE, so they copy only what they return.
extension SIPMessage {
    /// Every value of a header (by full or compact name), comma-separated lists split.
    func headerValues(_ name: String, compact: String? = nil) -> [String] {
        var values: [String] = []
        withOtherHeaders { headers in
            for index in headers.indices where headers[index].name.isField(name, compact: compact) {
                HeaderFieldScan.forEachElement(of: headers[index].value) { element in
                    values.append(String(decoding: element, as: UTF8.self))
                    return false
                }
            }
        }
        return values
    }

    /// Whether the message has a field named `name` (not a compact form), without reading
    /// any value.
    func hasField(_ name: String) -> Bool {
        withOtherHeaders { headers in headers.indices.contains { headers[$0].name.equalsIgnoringASCIICase(name) } }
    }

    /// Whether a list header (by full or compact name) has `token` among its elements, e.g.
    /// `Supported: timer` or `Allow: UPDATE` (RFC 3261 §20.37, §20.5), case-insensitively.
    func header(_ name: String, compact: String? = nil, lists token: String) -> Bool {
        withOtherHeaders { headers in
            headers.indices.contains { index in
                headers[index].name.isField(name, compact: compact) && HeaderFieldScan.lists(headers[index].value, token.utf8)
            }
        }
    }
}

enum HeaderFieldScan {
    /// Bytes of a header value, read in place.
    typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    /// Calls `body` with each element of a comma-separated value, white space trimmed and
    /// empty elements skipped, until it returns true.
    /// - Returns: whether `body` returned true.
    @discardableResult
    static func forEachElement(of value: String, _ body: (Bytes) -> Bool) -> Bool {
        var value = value
        return value.withUTF8 { all in
            var start = all.startIndex
            while start < all.endIndex {
                let (element, rest) = split(all[start...], at: UInt8(ascii: ","))
                let trimmedElement = trimmed(element)
                if !trimmedElement.isEmpty, body(trimmedElement) { return true }
                guard let rest else { break }
                start = rest.startIndex
            }
            return false
        }
    }

    /// Whether a comma-separated value has `token` among its elements, case-insensitively.
    static func lists(_ value: String, _ token: some Collection<UInt8>) -> Bool {
        var text = value
        let direct = text.withUTF8 { all in
            token.withContiguousStorageIfAvailable { token in
                // From comma to comma with `memchr`; an element's bytes are compared only when
                // its trimmed length is the token's (most of a nine-method Allow is skipped by
                // length). A byte loop over the whole value cost twice as much.
                guard let base = all.baseAddress else { return false }
                var start = 0
                while start < all.count {
                    let comma = memchr(base + start, Int32(UInt8(ascii: ",")), all.count - start)
                        .map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? all.count
                    var (first, last) = (start, comma)
                    while first < last, isSpace(base[first]) { first += 1 }
                    while last > first, isSpace(base[last - 1]) { last -= 1 }
                    if last > first, last - first == token.count, equalFolded(base + first, token.baseAddress, count: token.count) {
                        return true
                    }
                    start = comma + 1
                }
                return false
            }
        }
        return direct ?? forEachElement(of: value) { equalFolded($0, token) }
    }

    /// The bytes before the first `separator` and, if there is one, those after it.
    static func split(_ bytes: Bytes, at separator: UInt8) -> (head: Bytes, tail: Bytes?) {
        var index = bytes.startIndex
        while index < bytes.endIndex, bytes[index] != separator { index += 1 }
        guard index < bytes.endIndex else { return (bytes, nil) }
        return (bytes[bytes.startIndex..<index], bytes[(index + 1)...])
    }

    /// Calls `body` with the name and value (if any) of each `;name=value` parameter after a
    /// header value (RFC 3261 §25.1 `generic-param`), trimmed, until it returns true.
    /// - Parameter element: one list element, e.g. `1800;refresher=uac`.
    /// - Returns: the value before the parameters, trimmed (`1800`).
    @discardableResult
    static func parameters(of element: Bytes, _ body: (_ name: Bytes, _ value: Bytes?) -> Bool) -> Bytes {
        let (value, parameters) = split(element, at: UInt8(ascii: ";"))
        var rest = parameters
        while let remaining = rest {
            let (parameter, next) = split(remaining, at: UInt8(ascii: ";"))
            let (name, parameterValue) = split(parameter, at: UInt8(ascii: "="))
            if body(trimmed(name), parameterValue.map { trimmed($0) }) { break }
            rest = next
        }
        return trimmed(value)
    }

    /// A non-negative decimal (`1*DIGIT`, e.g. RFC 4028 `delta-seconds`), or `nil` when the
    /// bytes are empty, hold anything but digits, or overflow.
    static func decimal(_ bytes: Bytes) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(Int(byte &- UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    /// `bytes` without leading and trailing spaces, tabs and line ends.
    static func trimmed<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C where C.SubSequence == C {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { bytes.formIndex(after: &start) }
        while end > start, isSpace(bytes[bytes.index(before: end)]) { bytes.formIndex(before: &end) }
        return bytes[start..<end]
    }

    /// Equality with ASCII letters compared case-insensitively.
    /// Both sides are read through pointers when they can be (strings and osip's bytes can).
    static func equalFolded<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        let direct = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in equalFolded(x.baseAddress, y.baseAddress, count: x.count) }
        }
        if let direct, let equal = direct { return equal }
        return zip(a, b).allSatisfy(sameFolded)
    }

    /// `count` bytes at `x` and at `y` compared as `equalFolded` does, in a plain loop (the
    /// closure-per-index form cost about twice as much per call, and a header scan compares
    /// names and list elements dozens of times per INVITE).
    private static func equalFolded(_ x: UnsafePointer<UInt8>?, _ y: UnsafePointer<UInt8>?, count: Int) -> Bool {
        guard count > 0, let x, let y else { return true }
        var index = 0
        while index < count {
            guard sameFolded(x[index], y[index]) else { return false }
            index += 1
        }
        return true
    }

    private static func sameFolded(_ x: UInt8, _ y: UInt8) -> Bool {
        x == y || (x | 0x20 == y | 0x20 && (0x61...0x7A).contains(x | 0x20))
    }

    /// RFC 3261 §25.1 `token` characters: letters, digits and `-.!%*_+`'~`.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        byte < 128 && OSIPCodec.plainCharacters.utf8Start[Int(byte)] & 32 != 0
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }
}

extension String {
    /// Equality with ASCII letters compared case-insensitively (header names, RFC 3261 §7.3.1).
    /// Strings of different lengths (most comparisons with a name) are told apart inline, and
    /// equal ones are tried as they are first, a plain comparison of bytes: names arrive mostly
    /// as the literals compared with them (the parser stores the fields libosip2 does not
    /// interpret in lower case, `UninterpretedFields`, and parameter names as its literals).
    @inline(__always)
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        utf8.count == other.utf8.count && (self == other || HeaderFieldScan.equalFolded(utf8, other.utf8))
    }

    /// Whether the text has a colon, as an IPv6 host does (RFC 3261 §25.1): read from the UTF-8
    /// storage (a `String.UTF8View` walked element by element is several times slower).
    var hasColon: Bool {
        utf8.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: ":")) } ?? utf8.contains(UInt8(ascii: ":"))
    }

    /// The text with ASCII letters in upper case; the string itself when it has no lower-case
    /// letter (tokens such as `UDP` or `IP4` usually arrive so), without building a new one.
    var asciiUppercased: String {
        utf8.contains { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } ? uppercased() : self
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
