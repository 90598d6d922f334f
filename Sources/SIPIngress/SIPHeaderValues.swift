#if canImport(Glibc)
import Glibc
#endif
public import NIOCore

/// A SIP or SIPS URI (RFC 3261 §19.1), reduced to the parts the bridge routes and replies on.
public struct SIPURI: Hashable, Sendable, CustomStringConvertible {
    /// The URI exactly as it should be written back on the wire.
    public var text: String {
        get { textEnd > 0 ? Self.slice(textStorage, textStart, textEnd) : textStorage }
        set {
            // A user or host read from the old text keeps its value.
            if userEnd > 0 { (userStorage, userStart, userEnd) = (user, 0, 0) }
            if hostEnd > 0 { (hostStorage, hostStart, hostEnd) = (host, 0, 0) }
            textStorage = newValue
            (textStart, textEnd) = (0, 0)
        }
    }
    /// `text`, or, for the URI of a name-addr, the name-addr's whole text with the URI at UTF-8
    /// offsets `textStart..<textEnd` (`textEnd` 0: all of it): converting a name-addr makes one
    /// string, not two (its URI's text is seldom read). 32-bit offsets, not optional ranges:
    /// the value is copied with every name-addr, and 17 more bytes showed.
    private var textStorage: String
    private var textStart: UInt32 = 0
    private var textEnd: UInt32 = 0
    /// `sip`, `sips` or another scheme (RFC 3261 §19.1.1).
    public var scheme: String
    /// The userinfo's user part, if any (the dialled number on a trunk).
    public var user: String? {
        get { userEnd > 0 ? Self.slice(textStorage, userStart, userEnd) : userStorage }
        set { (userStorage, userStart, userEnd) = (newValue, 0, 0) }
    }
    /// The host part (a domain name or an IP address, IPv6 without brackets).
    public var host: String {
        get { hostEnd > 0 ? Self.slice(textStorage, hostStart, hostEnd) : hostStorage }
        set { (hostStorage, hostStart, hostEnd) = (newValue, 0, 0) }
    }
    /// The user and host as strings of their own, or, for a URI the parser wrote plainly (no
    /// escapes: its user and host appear in its text as they are), at UTF-8 offsets
    /// `userStart..<userEnd` and `hostStart..<hostEnd` of `textStorage` (`End` 0: stored): a
    /// carrier INVITE's five URIs would otherwise make ten strings, of which the core reads two.
    private var userStorage: String?
    private var hostStorage: String
    private var userStart: UInt32 = 0
    private var userEnd: UInt32 = 0
    private var hostStart: UInt32 = 0
    private var hostEnd: UInt32 = 0
    /// The port, if the URI names one.
    public var port: Int?

    /// `storage`'s UTF-8 bytes `start..<end` as a string.
    private static func slice(_ storage: String, _ start: UInt32, _ end: UInt32) -> String {
        var whole = storage
        return whole.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(start)..<Int(end)]), as: UTF8.self) }
    }

    public var description: String { text }

    public static func == (lhs: SIPURI, rhs: SIPURI) -> Bool {
        lhs.port == rhs.port && lhs.host == rhs.host && lhs.user == rhs.user && lhs.scheme == rhs.scheme
            && lhs.text == rhs.text
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
        hasher.combine(scheme)
        hasher.combine(user)
        hasher.combine(host)
        hasher.combine(port)
    }
}

// The initializers live in an extension so that the struct keeps its memberwise initializer:
// the parser's URIs are built with it in one expression. An initializer that set the properties
// one by one (or delegated and then set the offsets) made the optimizer load the finished value
// twice, retaining one copy and releasing the other — every string of it, about 200
// instructions per URI.
extension SIPURI {
    /// Creates a URI from its parts.
    public init(text: String, scheme: String, user: String?, host: String, port: Int?) {
        self.init(textStorage: text, scheme: scheme, userStorage: user, hostStorage: host, port: port)
    }

    /// A URI whose text is `range` (UTF-8 offsets) of `enclosing`, a name-addr's text.
    static func enclosed(
        in enclosing: String, range: Range<Int>, scheme: String, user: String?, host: String, port: Int?
    ) -> SIPURI {
        precondition(!range.isEmpty && range.upperBound <= enclosing.utf8.count, "URI outside its name-addr")
        return SIPURI(
            textStorage: enclosing, textStart: UInt32(range.lowerBound), textEnd: UInt32(range.upperBound), scheme: scheme,
            userStorage: user, hostStorage: host, port: port)
    }

    /// A URI written plainly into `storage`: its text is `range` of it (all of it when nil),
    /// its user and host the bytes at `user` and `host` (UTF-8 offsets, not empty).
    static func plain(
        in storage: String, range: Range<Int>?, scheme: String, user: Range<Int>?, host: Range<Int>, port: Int?
    ) -> SIPURI {
        let text = range ?? 0..<storage.utf8.count
        func inside(_ part: Range<Int>) -> Bool {
            !part.isEmpty && part.lowerBound >= text.lowerBound && part.upperBound <= text.upperBound
        }
        precondition(
            !text.isEmpty && text.upperBound <= storage.utf8.count && inside(host) && user.map(inside) != false,
            "URI parts outside its text")
        let (textStart, textEnd) = range.map { (UInt32($0.lowerBound), UInt32($0.upperBound)) } ?? (0, 0)
        let (userStart, userEnd) = user.map { (UInt32($0.lowerBound), UInt32($0.upperBound)) } ?? (0, 0)
        return SIPURI(
            textStorage: storage, textStart: textStart, textEnd: textEnd, scheme: scheme, userStorage: nil, hostStorage: "",
            userStart: userStart, userEnd: userEnd, hostStart: UInt32(host.lowerBound), hostEnd: UInt32(host.upperBound),
            port: port)
    }

    /// Whether `scheme` is `sip` or `sips`, in any case (RFC 3261 §19.1.1: schemes are
    /// case-insensitive): the schemes the bridge serves (§8.2.2.1 answers any other 416).
    static func isSIPScheme(_ scheme: String) -> Bool {
        scheme.equalsIgnoringASCIICase("sip") || scheme.equalsIgnoringASCIICase("sips")
    }
}

/// One `Via` header field value (RFC 3261 §20.42, §18.2.1; rport from RFC 3581).
public struct Via: Hashable, Sendable, CustomStringConvertible {
    /// The transport token, e.g. `UDP` (RFC 3261 §20.42 `sent-protocol`).
    public var transport: String
    /// The `sent-by` host (IPv6 without brackets).
    public var host: String
    /// The `sent-by` port, if present.
    public var port: Int?
    /// Parameters in order; a `nil` value is a flag such as a bare `rport`.
    public var parameters: [(name: String, value: String?)]

    /// Creates a Via value.
    public init(transport: String, host: String, port: Int?, parameters: [(name: String, value: String?)]) {
        self.transport = transport
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    /// The value of parameter `name` (case-insensitive, RFC 3261 §7.3.1); `.some(nil)` for a flag.
    public func parameter(_ name: String) -> String?? {
        for p in parameters where p.name.equalsIgnoringASCIICase(name) { return .some(p.value) }
        return .none
    }

    /// The `branch` parameter: the transaction identifier (RFC 3261 §8.1.1.7).
    public var branch: String? { parameter("branch") ?? nil }

    /// Whether the branch carries the RFC 3261 magic cookie `z9hG4bK` (§8.1.1.7).
    public var hasMagicCookie: Bool { branch.map(Self.beginsWithMagicCookie) ?? false }

    /// Whether `branch` begins with the magic cookie `z9hG4bK` (RFC 3261 §8.1.1.7), compared
    /// byte for byte (a branch is a `token`, §25.1).
    static func beginsWithMagicCookie(_ branch: String) -> Bool {
        // Seven bytes compared in place (the generic `starts(with:)` over two UTF-8 views cost
        // about 500 instructions per request).
        let cookie: StaticString = "z9hG4bK"
        let cookieBytes = UnsafeRawBufferPointer(start: cookie.utf8Start, count: cookie.utf8CodeUnitCount)
        let compared = branch.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.count >= cookieBytes.count && memcmp(bytes.baseAddress!, cookieBytes.baseAddress!, cookieBytes.count) == 0
        }
        return compared ?? branch.utf8.starts(with: cookieBytes)
    }

    /// Sets (or adds) a parameter, keeping the position of an existing one.
    public mutating func setParameter(_ name: String, _ value: String?) {
        if let index = parameters.firstIndex(where: { $0.name.equalsIgnoringASCIICase(name) }) {
            parameters[index].value = value
        } else {
            parameters.append((name, value))
        }
    }

    public var description: String {
        var buffer = ByteBuffer()
        write(into: &buffer)
        return String(buffer: buffer)
    }

    /// Writes the value in wire format (`SIP/2.0/UDP host:port;params`, RFC 3261 §20.42).
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeWire(self)
    }

    public static func == (lhs: Via, rhs: Via) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

/// A `From`, `To`, `Contact`, `Route` or `Record-Route` value: a name-addr with parameters
/// (RFC 3261 §20.10, §20.20, §20.39, §25.1).
///
/// The parts live behind one reference: a message's name-addrs are copied into sessions,
/// dialogs and every response, and copying one field by field retained six strings (and
/// released them again), about 3 700 instructions per INVITE (Benchmarks finding G).
public struct NameAddress: Hashable, Sendable, CustomStringConvertible {
    private final class Parts: Sendable {
        let text: String
        let uri: SIPURI
        let tag: String?

        init(text: String, uri: SIPURI, tag: String?) {
            self.text = text
            self.uri = uri
            self.tag = tag
        }
    }

    private var parts: Parts

    /// The whole value as written on the wire (display name, `<uri>`, parameters).
    public var text: String {
        get { parts.text }
        set { parts = Parts(text: newValue, uri: parts.uri, tag: parts.tag) }
    }
    /// The address's URI.
    public var uri: SIPURI {
        get { parts.uri }
        set { parts = Parts(text: parts.text, uri: newValue, tag: parts.tag) }
    }
    /// The `tag` parameter (RFC 3261 §19.3), if present.
    public var tag: String? {
        get { parts.tag }
        set { parts = Parts(text: parts.text, uri: parts.uri, tag: newValue) }
    }

    /// Creates a value from its wire text and parsed parts.
    public init(text: String, uri: SIPURI, tag: String?) {
        parts = Parts(text: text, uri: uri, tag: tag)
    }

    public static func == (lhs: NameAddress, rhs: NameAddress) -> Bool {
        lhs.parts === rhs.parts || (lhs.text == rhs.text && lhs.uri == rhs.uri && lhs.tag == rhs.tag)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(parts.text)
        hasher.combine(parts.uri)
        hasher.combine(parts.tag)
    }

    /// The same value with a `tag` parameter appended (RFC 3261 §8.2.6.2: the UAS adds its tag
    /// to `To`). A value that already has a tag is returned unchanged.
    public func withTag(_ newTag: String) -> NameAddress {
        guard tag == nil else { return self }
        // Written into one string of the right size: three `+=` cost about twice as much
        // (each checks capacity and uniqueness).
        var (value, tagText) = (text, newTag)
        let tagged = value.withUTF8 { head in
            tagText.withUTF8 { tail in
                String(unsafeUninitializedCapacity: head.count + 5 + tail.count) { out in
                    let base = UnsafeMutableRawPointer(out.baseAddress!)
                    if head.count > 0 { base.copyMemory(from: head.baseAddress!, byteCount: head.count) }
                    let separator: StaticString = ";tag="
                    (base + head.count).copyMemory(from: separator.utf8Start, byteCount: 5)
                    if tail.count > 0 { (base + head.count + 5).copyMemory(from: tail.baseAddress!, byteCount: tail.count) }
                    return head.count + 5 + tail.count
                }
            }
        }
        return NameAddress(text: tagged, uri: uri, tag: newTag)
    }

    public var description: String { text }
}

/// A `CSeq` value (RFC 3261 §20.16).
public struct CSeq: Hashable, Sendable, CustomStringConvertible {
    /// The sequence number (32-bit unsigned, RFC 3261 §8.1.1.5).
    public var number: UInt32
    /// The method the sequence number belongs to.
    public var method: SIPMethod

    /// Creates a CSeq value.
    public init(number: UInt32, method: SIPMethod) {
        self.number = number
        self.method = method
    }

    public var description: String { "\(number) \(method.rawValue)" }
}

/// A header field that the bridge carries without interpreting it (RFC 3261 §7.3).
public struct SIPHeader: Hashable, Sendable {
    /// The field name as received or to be sent.
    public var name: String
    /// The field value, without surrounding whitespace.
    public var value: String

    /// Creates a header field.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
