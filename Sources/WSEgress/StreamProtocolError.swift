/// Why an inbound WebSocket frame is not a usable stream event (spec §4, RFC 8259).
///
/// An open-enum struct (STYLE rule 12): compare against the static constructors. Equality covers
/// the kind, the field path and the byte offset; the finer diagnostic in `description` (e.g.
/// "invalid escape") is not part of it, so callers and tests need not depend on its wording.
///
/// Verdict: none of these ends the stream. The bridge logs the frame and ignores it (spec §2:
/// "ignore (log) unparsable frames rather than dropping the call"), so there is no close code.
public struct StreamProtocolError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case malformedJSON(offset: Int)
        case nestingTooDeep(offset: Int)
        case notAnObject
        case missingEvent
        case missingField(String)
        case invalidField(String, offset: Int)
        case invalidBase64(String, offset: Int)
    }

    /// What exactly was wrong with malformed JSON; diagnostic only.
    enum Detail: String, Sendable {
        case none = ""
        case unexpectedEnd = "unexpected end of input"
        case unexpectedByte = "unexpected byte"
        case controlCharacter = "unescaped control character in string"
        case invalidEscape = "invalid escape sequence"
        case invalidUTF8 = "invalid UTF-8"
        case invalidNumber = "invalid number"
        case invalidLiteral = "invalid literal"
        case trailingData = "data after the top-level value"
    }

    private let code: Code
    private let detail: Detail

    private init(_ code: Code, _ detail: Detail = .none) {
        self.code = code
        self.detail = detail
    }

    /// The frame is not JSON text (RFC 8259 §2): a syntax error, truncation, bad string escape or
    /// invalid UTF-8 (RFC 8259 §8.1).
    /// - Parameter offset: the byte offset in the frame where the scanner stopped.
    public static func malformedJSON(at offset: Int) -> Self {
        Self(.malformedJSON(offset: offset))
    }

    /// Malformed JSON with the reason, for the description.
    static func malformedJSON(at offset: Int, _ detail: Detail) -> Self {
        Self(.malformedJSON(offset: offset), detail)
    }

    /// Objects and arrays nest deeper than `InboundEventParser.maximumNestingDepth`; the parser
    /// stops there instead of recursing on hostile input (RFC 8259 §9 allows such a limit).
    /// - Parameter offset: the offset of the first container that is too deep.
    public static func nestingTooDeep(at offset: Int) -> Self {
        Self(.nestingTooDeep(offset: offset))
    }

    /// The frame is valid JSON but not an object; every stream event is one object (spec §2).
    public static var notAnObject: Self { Self(.notAnObject) }

    /// The object has no `event` string member (spec §4: `event` is required on every message).
    public static var missingEvent: Self { Self(.missingEvent) }

    /// A member the event requires is absent or `null`, e.g. `media.payload` on `playAudio`
    /// (spec §4.1) or `name` on `checkpoint` (spec §4.2).
    /// - Parameter path: the member's dotted path, e.g. `"media.payload"`.
    public static func missingField(_ path: String) -> Self {
        Self(.missingField(path))
    }

    /// A member has the wrong JSON type or an unusable value, e.g. `streamId` as a number or
    /// `media.sampleRate` as `8000.5` (spec §4.1: an integer or a string of digits).
    /// - Parameters:
    ///   - path: the member's dotted path.
    ///   - offset: the byte offset of the member's value.
    public static func invalidField(_ path: String, at offset: Int) -> Self {
        Self(.invalidField(path, offset: offset))
    }

    /// A base64 member does not decode (RFC 4648 §4; spec §4.1 `media.payload`).
    /// - Parameters:
    ///   - path: the member's dotted path.
    ///   - offset: the byte offset of the string's opening quote.
    public static func invalidBase64(_ path: String, at offset: Int) -> Self {
        Self(.invalidBase64(path, offset: offset))
    }

    /// The byte offset in the frame that the error refers to, when there is one.
    public var offset: Int? {
        switch code {
        case .malformedJSON(let offset), .nestingTooDeep(let offset),
            .invalidField(_, let offset), .invalidBase64(_, let offset):
            offset
        case .notAnObject, .missingEvent, .missingField:
            nil
        }
    }

    /// A one-line explanation for logs, including the offset and, for malformed JSON, the reason.
    public var description: String {
        switch code {
        case .malformedJSON(let offset):
            detail == .none
                ? "malformed JSON at offset \(offset)" : "malformed JSON at offset \(offset): \(detail.rawValue)"
        case .nestingTooDeep(let offset): "JSON nested too deeply at offset \(offset)"
        case .notAnObject: "frame is not a JSON object"
        case .missingEvent: "frame has no \"event\" string"
        case .missingField(let path): "missing required field \"\(path)\""
        case .invalidField(let path, let offset): "invalid value for \"\(path)\" at offset \(offset)"
        case .invalidBase64(let path, let offset): "invalid base64 in \"\(path)\" at offset \(offset)"
        }
    }

    /// Equal when kind, field path and offset match; the diagnostic detail is ignored.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}
