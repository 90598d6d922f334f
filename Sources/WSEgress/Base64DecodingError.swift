/// Why base64 text could not be decoded (RFC 4648 §3.3, §4).
///
/// An open-enum struct (STYLE rule 12): compare against the static constructors.
public struct Base64DecodingError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case invalidCharacter(offset: Int)
        case invalidPadding(offset: Int)
        case invalidLength
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// A byte outside the base64 alphabet (RFC 4648 §3.3: "reject the encoded data").
    /// - Parameter offset: the byte's index in the input.
    public static func invalidCharacter(at offset: Int) -> Self {
        Self(.invalidCharacter(offset: offset))
    }

    /// A misplaced `=`: at the start of a group, more than two, an incomplete pad run, or data
    /// after it (RFC 4648 §3.2, §4).
    /// - Parameter offset: the index of the offending byte, or the input length when the
    ///   padding stops short at the end.
    public static func invalidPadding(at offset: Int) -> Self {
        Self(.invalidPadding(offset: offset))
    }

    /// The input ends with a single character of a group, which cannot encode an octet
    /// (RFC 4648 §4: the final quantum is 0, 2 or 3 characters before padding).
    public static var invalidLength: Self { Self(.invalidLength) }

    /// The input offset the error refers to, when there is one.
    public var offset: Int? {
        switch code {
        case .invalidCharacter(let offset), .invalidPadding(let offset): offset
        case .invalidLength: nil
        }
    }

    /// A one-line explanation for logs.
    public var description: String {
        switch code {
        case .invalidCharacter(let offset): "base64: invalid character at offset \(offset)"
        case .invalidPadding(let offset): "base64: invalid padding at offset \(offset)"
        case .invalidLength: "base64: truncated final group"
        }
    }
}
