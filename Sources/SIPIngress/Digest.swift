import Crypto

/// HTTP Digest as SIP uses it (RFC 3261 §22.4, RFC 7616 §3.4, RFC 8760): the algorithms, the
/// header parameter syntax and the response computation shared by the bridge as UAS (checking
/// INVITEs) and as UAC (REGISTER).
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case sha256 = "SHA-256"
    case md5 = "MD5"

    /// Lower-case hex of the hash of `text` (RFC 7616 §3.4.1 `H`).
    public func hash(_ text: String) -> String {
        let bytes = Array(text.utf8)
        switch self {
        case .sha256: return Self.hex(SHA256.hash(data: bytes))
        case .md5: return Self.hex(Insecure.MD5.hash(data: bytes))
        }
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// The parameters of a `Digest` challenge or credentials header (RFC 7616 §3.3, §3.4).
public struct DigestParameters: Sendable, Hashable {
    /// Parameter names in lower case, values without quotes.
    public var values: [String: String]

    /// Parses `Digest k=v, k="v", …`; `nil` for another scheme.
    public init?(header: String) {
        let trimmed = header.trimmingSpaces()
        guard trimmed.lowercased().hasPrefix("digest") else { return nil }
        var values: [String: String] = [:]
        var rest = Substring(trimmed.dropFirst(6))
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," || $0 == "\t" }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingSpaces().lowercased()
            rest = rest[rest.index(after: equals)...].drop { $0 == " " }
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    if character == "\\" { rest = rest.dropFirst() }
                    if let next = rest.first { value.append(next) }
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingSpaces()
                rest = rest[end...]
            }
            values[name] = value
        }
        self.values = values
    }

    /// A parameter's value.
    public subscript(_ name: String) -> String? { values[name] }
}

/// RFC 7616 §3.4.1: `response`, for qop `auth` or without qop (RFC 2069 compatibility).
public struct DigestResponse: Sendable {
    public var algorithm: DigestAlgorithm
    public var username: String
    public var realm: String
    public var password: String
    public var method: String
    public var uri: String
    public var nonce: String
    /// `auth` or `nil`.
    public var qop: String?
    public var cnonce: String?
    public var nonceCount: String?

    /// Creates the inputs of a response computation.
    public init(
        algorithm: DigestAlgorithm, username: String, realm: String, password: String, method: String, uri: String,
        nonce: String, qop: String? = nil, cnonce: String? = nil, nonceCount: String? = nil
    ) {
        self.algorithm = algorithm
        self.username = username
        self.realm = realm
        self.password = password
        self.method = method
        self.uri = uri
        self.nonce = nonce
        self.qop = qop
        self.cnonce = cnonce
        self.nonceCount = nonceCount
    }

    /// The `response` value.
    public var value: String {
        let ha1 = algorithm.hash("\(username):\(realm):\(password)")
        let ha2 = algorithm.hash("\(method):\(uri)")
        if let qop, let cnonce, let nonceCount {
            return algorithm.hash("\(ha1):\(nonce):\(nonceCount):\(cnonce):\(qop):\(ha2)")
        }
        return algorithm.hash("\(ha1):\(nonce):\(ha2)")
    }
}
