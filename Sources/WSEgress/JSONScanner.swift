/// A JSON string value as a range of the scanned bytes (RFC 8259 §7), not yet unescaped.
struct JSONString {
    /// Index of the first byte after the opening quote.
    let start: Int
    /// Index of the closing quote.
    let end: Int
    /// Whether the raw bytes contain a `\` escape; without one they are the value itself.
    let hasEscapes: Bool

    /// Offset of the opening quote, for error messages.
    var offset: Int { start - 1 }
    /// Length of the raw (still escaped) bytes; an upper bound for the unescaped length.
    var rawCount: Int { end - start }
}

/// A scanned JSON value, kept as a position in the input so that callers decide later (once the
/// whole object, including a late `event` key, has been seen) which values to materialize.
enum JSONToken {
    case string(JSONString)
    case number(Range<Int>)
    case null(offset: Int)
    /// `true`, `false`, an object or an array (already skipped).
    case other(offset: Int)

    /// Offset of the value's first byte.
    var offset: Int {
        switch self {
        case .string(let string): string.offset
        case .number(let range): range.lowerBound
        case .null(let offset), .other(let offset): offset
        }
    }
}

/// An index-based JSON scanner (RFC 8259) over the bytes of one WebSocket frame.
///
/// It validates as it goes and never builds a tree: callers walk objects with
/// `forEachMember(depth:_:)`, keep `JSONToken`s for the members they care about, and let
/// `scanValue(depth:)` skip everything else. Every loop advances `index`, every read is
/// bounds-checked against `bytes.count`, and containers deeper than `maximumDepth` are refused,
/// so hostile input ends in an error rather than a crash, a hang or a stack overflow.
///
/// The scanner borrows `bytes`; use it only inside the `withUnsafeReadableBytes` call that
/// vended them.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    let maximumDepth: Int
    /// The read position; moved only by scanning methods (here and in JSONScanner+Strings.swift).
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    /// Skips the four insignificant whitespace bytes of RFC 8259 §2.
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, not consumed; `nil` at the end of input.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// Requires that only whitespace remains (RFC 8259 §2: one value per JSON text).
    mutating func expectEnd() throws(StreamProtocolError) {
        skipWhitespace()
        guard index == bytes.count else { throw .malformedJSON(at: index, .trailingData) }
    }

    /// Scans one value of any type (RFC 8259 §3), skipping containers after validating them.
    /// - Parameter depth: the nesting depth this value has if it is an object or array
    ///   (the top-level value has depth 1).
    mutating func scanValue(depth: Int) throws(StreamProtocolError) -> JSONToken {
        guard let byte = peek() else { throw .malformedJSON(at: index, .unexpectedEnd) }
        let offset = index
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try scanString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try scanNumber())
        case UInt8(ascii: "t"):
            try scanLiteral("true")
        case UInt8(ascii: "f"):
            try scanLiteral("false")
        case UInt8(ascii: "n"):
            try scanLiteral("null")
            return .null(offset: offset)
        case UInt8(ascii: "{"):
            try forEachMember(depth: depth) { (_, scanner) throws(StreamProtocolError) in
                _ = try scanner.scanValue(depth: depth + 1)
            }
        case UInt8(ascii: "["):
            try forEachElement(depth: depth) { (scanner) throws(StreamProtocolError) in
                _ = try scanner.scanValue(depth: depth + 1)
            }
        default:
            throw .malformedJSON(at: offset, .unexpectedByte)
        }
        return .other(offset: offset)
    }

    /// Walks an object (RFC 8259 §4), calling `body` with each key while the scanner stands
    /// before the member's value; `body` must consume exactly that value.
    /// - Parameters:
    ///   - depth: the object's nesting depth; more than `maximumDepth` is refused.
    ///   - body: called once per member, in document order (duplicates included).
    mutating func forEachMember(
        depth: Int,
        _ body: (JSONString, inout JSONScanner) throws(StreamProtocolError) -> Void
    ) throws(StreamProtocolError) {
        try enterContainer(UInt8(ascii: "{"), depth: depth)
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            guard let byte = peek() else { throw .malformedJSON(at: index, .unexpectedEnd) }
            guard byte == UInt8(ascii: "\"") else { throw .malformedJSON(at: index, .unexpectedByte) }
            let key = try scanString()
            try consume(UInt8(ascii: ":"))
            try body(key, &self)
            if try consumeSeparator(closing: UInt8(ascii: "}")) { return }
        }
    }

    /// Walks an array (RFC 8259 §5), calling `body` before each element; `body` must consume it.
    /// - Parameters:
    ///   - depth: the array's nesting depth; more than `maximumDepth` is refused.
    ///   - body: called once per element.
    mutating func forEachElement(
        depth: Int,
        _ body: (inout JSONScanner) throws(StreamProtocolError) -> Void
    ) throws(StreamProtocolError) {
        try enterContainer(UInt8(ascii: "["), depth: depth)
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try body(&self)
            if try consumeSeparator(closing: UInt8(ascii: "]")) { return }
        }
    }

    /// Scans a number (RFC 8259 §6): `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    /// - Returns: the range of its bytes.
    mutating func scanNumber() throws(StreamProtocolError) -> Range<Int> {
        let start = index
        if byte(at: index) == UInt8(ascii: "-") { index += 1 }
        guard let first = byte(at: index) else { throw .malformedJSON(at: index, .unexpectedEnd) }
        switch first {
        case UInt8(ascii: "0"):
            index += 1
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            skipDigits()
        default:
            throw .malformedJSON(at: index, .invalidNumber)
        }
        if byte(at: index) == UInt8(ascii: ".") {
            index += 1
            try requireDigits()
        }
        if let e = byte(at: index), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            if let sign = byte(at: index), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            try requireDigits()
        }
        return start..<index
    }

    // MARK: - Helpers

    /// The byte at `position`, or `nil` past the end.
    func byte(at position: Int) -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func enterContainer(_ opening: UInt8, depth: Int) throws(StreamProtocolError) {
        guard peek() == opening else { throw .malformedJSON(at: index, .unexpectedByte) }
        guard depth <= maximumDepth else { throw .nestingTooDeep(at: index) }
        index += 1
    }

    /// Consumes `byte` after optional whitespace.
    private mutating func consume(_ expected: UInt8) throws(StreamProtocolError) {
        guard let byte = peek() else { throw .malformedJSON(at: index, .unexpectedEnd) }
        guard byte == expected else { throw .malformedJSON(at: index, .unexpectedByte) }
        index += 1
    }

    /// Consumes `,` (returns false) or the closing bracket (returns true).
    private mutating func consumeSeparator(closing: UInt8) throws(StreamProtocolError) -> Bool {
        guard let byte = peek() else { throw .malformedJSON(at: index, .unexpectedEnd) }
        index += 1
        if byte == closing { return true }
        guard byte == UInt8(ascii: ",") else { throw .malformedJSON(at: index - 1, .unexpectedByte) }
        return false
    }

    private mutating func scanLiteral(_ literal: StaticString) throws(StreamProtocolError) {
        for i in 0..<literal.utf8CodeUnitCount {
            guard let byte = byte(at: index) else { throw .malformedJSON(at: index, .unexpectedEnd) }
            guard byte == literal.utf8Start[i] else { throw .malformedJSON(at: index, .invalidLiteral) }
            index += 1
        }
    }

    private mutating func skipDigits() {
        while let byte = byte(at: index), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
    }

    /// Requires at least one digit (after `.` or an exponent marker).
    private mutating func requireDigits() throws(StreamProtocolError) {
        guard let byte = byte(at: index) else { throw .malformedJSON(at: index, .unexpectedEnd) }
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
            throw .malformedJSON(at: index, .invalidNumber)
        }
        skipDigits()
    }
}
