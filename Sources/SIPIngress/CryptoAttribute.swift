import FoundationEssentials
public import Transcode

/// An SDP `a=crypto` attribute (RFC 4568 §9.1), the SDES way to key SRTP:
///
/// ```
/// a=crypto:<tag> <crypto-suite> <key-params> *(<SP> <session-param>)
/// key-params = "inline:" <base64 key||salt> ["|" lifetime] ["|" MKI ":" length]
/// ```
///
/// Several key-params (`;`-separated) are kept; only a line with exactly one key and no MKI is
/// usable by the bridge (see `usableKey`).
public struct CryptoAttribute: Sendable, Hashable {
    /// One `inline:` key (RFC 4568 §6.1).
    public struct Key: Sendable, Hashable {
        /// Master key followed by master salt.
        public var keyAndSalt: [UInt8]
        /// The key's lifetime in packets, if given (`2^20` or a decimal count).
        public var lifetime: UInt64?
        /// The MKI value and its length in bytes, if given (RFC 3711 §3.1).
        public var mki: MKI?
    }

    /// A master key identifier (`|<value>:<length>`).
    public struct MKI: Sendable, Hashable {
        /// The identifier.
        public var value: UInt64
        /// Its length in the packet, in bytes.
        public var length: Int
    }

    /// The tag the answer must repeat (1–9 digits, §9.1).
    public var tag: Int
    /// The crypto-suite name as written (compare case-sensitively, §9.2).
    public var suite: String
    /// The key-params.
    public var keys: [Key]
    /// Session parameters such as `WSH=128` or `UNENCRYPTED_SRTP` (§6.3).
    public var sessionParameters: [String]

    /// Parses the value after `a=crypto:`; `nil` when it is not well formed.
    public init?(_ value: some StringProtocol) {
        let fields = String(value).split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3, fields[0].count <= 9, fields[0].allSatisfy(\.isASCIIDigit), let tag = Int(fields[0])
        else { return nil }
        var keys: [Key] = []
        for text in fields[2].split(separator: ";", omittingEmptySubsequences: false) {
            guard let key = Self.key(text) else { return nil }
            keys.append(key)
        }
        self.tag = tag
        self.suite = String(fields[1])
        self.keys = keys
        self.sessionParameters = fields.dropFirst(3).map(String.init)
    }

    /// Creates an attribute (the bridge's own, for an answer).
    public init(tag: Int, suite: String, keyAndSalt: [UInt8]) {
        self.tag = tag
        self.suite = suite
        self.keys = [Key(keyAndSalt: keyAndSalt, lifetime: nil, mki: nil)]
        self.sessionParameters = []
    }

    /// The attribute value as SDP carries it (without `a=crypto:`).
    public var value: String {
        let key = keys.map { key in
            var text = "inline:" + Data(key.keyAndSalt).base64EncodedString()
            if let lifetime = key.lifetime { text += "|\(lifetime)" }
            if let mki = key.mki { text += "|\(mki.value):\(mki.length)" }
            return text
        }
        return ([String(tag), suite, key.joined(separator: ";")] + sessionParameters).joined(separator: " ")
    }

    /// The profile and key the bridge can use from this line: a suite it supports, one key of
    /// the suite's length without MKI, and no session parameter it would have to honour
    /// (`WSH=` is a hint and is accepted; `UNENCRYPTED_*`, `KDR=`, `FEC_*` are not, §6.3).
    public var usableKey: (profile: SRTPProfile, keyAndSalt: [UInt8])? {
        guard let profile = SRTPProfile(rawValue: suite), keys.count == 1, let key = keys.first, key.mki == nil,
            key.keyAndSalt.count == profile.keyingLength,
            sessionParameters.allSatisfy({ $0.uppercased().hasPrefix("WSH=") })
        else { return nil }
        return (profile, key.keyAndSalt)
    }

    private static func key(_ text: Substring) -> Key? {
        guard text.lowercased().hasPrefix("inline:") else { return nil }
        let parts = text.dropFirst("inline:".count).split(separator: "|", omittingEmptySubsequences: false)
        var encoded = String(parts[0])
        // Some offerers leave out the `=` padding of a 46-byte AES-256 key.
        while !encoded.count.isMultiple(of: 4) { encoded += "=" }
        guard !parts[0].isEmpty, parts.count <= 3, let bytes = Data(base64Encoded: encoded) else { return nil }
        var key = Key(keyAndSalt: Array(bytes), lifetime: nil, mki: nil)
        for part in parts.dropFirst() {
            if let colon = part.firstIndex(of: ":") {
                guard key.mki == nil, let value = UInt64(part[..<colon]), let length = Int(part[part.index(after: colon)...]),
                    (1...128).contains(length)
                else { return nil }
                key.mki = MKI(value: value, length: length)
            } else if part.hasPrefix("2^") {
                guard key.lifetime == nil, let exponent = Int(part.dropFirst(2)), (0...63).contains(exponent) else { return nil }
                key.lifetime = 1 << UInt64(exponent)
            } else {
                guard key.lifetime == nil, let count = UInt64(part) else { return nil }
                key.lifetime = count
            }
        }
        return key
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
