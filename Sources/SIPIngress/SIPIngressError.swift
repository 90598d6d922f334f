/// An error of the SIP layer that knows the response it deserves (STYLE.md rule 12).
public struct SIPIngressError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case malformedMessage(String)
        case missingHeader(String)
        case versionNotSupported
        case malformedSDP(String)
        case noCommonCodec
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The message does not parse (RFC 3261 §8.2: answered 400 Bad Request when possible).
    public static func malformedMessage(_ detail: String) -> SIPIngressError { .init(.malformedMessage(detail)) }
    /// A mandatory header is missing or unusable (RFC 3261 §8.1.1: 400).
    public static func missingHeader(_ name: String) -> SIPIngressError { .init(.missingHeader(name)) }
    /// The message is not SIP/2.0 (RFC 3261 §21.5.6: answered 505 Version Not Supported).
    public static let versionNotSupported = SIPIngressError(.versionNotSupported)
    /// The session description does not parse (RFC 3264 §5: answered 400 or 488).
    public static func malformedSDP(_ detail: String) -> SIPIngressError { .init(.malformedSDP(detail)) }
    /// The offer has no codec the bridge accepts (RFC 3261 §13.3.1.1: 488 Not Acceptable Here).
    public static let noCommonCodec = SIPIngressError(.noCommonCodec)

    /// The SIP status code a request that caused this error is answered with.
    public var statusCode: Int {
        switch code {
        case .malformedMessage, .missingHeader: 400
        case .malformedSDP, .noCommonCodec: 488
        case .versionNotSupported: 505
        }
    }

    public var description: String {
        switch code {
        case .malformedMessage(let detail): "malformed SIP message: \(detail)"
        case .missingHeader(let name): "missing or invalid \(name) header"
        case .malformedSDP(let detail): "malformed SDP: \(detail)"
        case .noCommonCodec: "no codec in the offer is acceptable"
        case .versionNotSupported: "SIP version not supported"
        }
    }
}
