/// A SIP request method (RFC 3261 §7.1, §27.4).
///
/// An open set: extension methods (RFC 3261 §8.2.1, answered 405/501) are carried verbatim.
public struct SIPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String

    /// Creates a method from its token (case-sensitive, RFC 3261 §7.1).
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let invite = SIPMethod(rawValue: "INVITE")
    public static let ack = SIPMethod(rawValue: "ACK")
    public static let bye = SIPMethod(rawValue: "BYE")
    public static let cancel = SIPMethod(rawValue: "CANCEL")
    public static let options = SIPMethod(rawValue: "OPTIONS")
    public static let register = SIPMethod(rawValue: "REGISTER")
    public static let info = SIPMethod(rawValue: "INFO")
    public static let update = SIPMethod(rawValue: "UPDATE")
    public static let prack = SIPMethod(rawValue: "PRACK")

    /// The methods this user agent implements, for the `Allow` header (RFC 3261 §20.5).
    public static let allowed: [SIPMethod] = [.invite, .ack, .bye, .cancel, .options, .update, .info]

    public var description: String { rawValue }
}
