/// An error of the media layer (STYLE.md rule 12).
public struct RTPMediaError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case truncated(needed: Int, available: Int)
        case unsupportedVersion(UInt8)
        case badPadding(Int)
        case noPortAvailable
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The packet is shorter than its header says (RFC 3550 §5.1).
    public static func truncated(needed: Int, available: Int) -> RTPMediaError {
        .init(.truncated(needed: needed, available: available))
    }
    /// The version field is not 2 (RFC 3550 §5.1).
    public static func unsupportedVersion(_ version: UInt8) -> RTPMediaError { .init(.unsupportedVersion(version)) }
    /// The padding count is zero or exceeds the payload (RFC 3550 §5.1, P bit).
    public static func badPadding(_ count: Int) -> RTPMediaError { .init(.badPadding(count)) }
    /// Every port pair in `rtp.port_range` is taken.
    public static let noPortAvailable = RTPMediaError(.noPortAvailable)

    public var description: String {
        switch code {
        case .truncated(let needed, let available):
            "RTP packet truncated: needs \(needed) bytes, has \(available) (RFC 3550 §5.1)"
        case .unsupportedVersion(let version):
            "RTP version \(version) is not 2 (RFC 3550 §5.1)"
        case .badPadding(let count):
            "RTP padding count \(count) is invalid (RFC 3550 §5.1)"
        case .noPortAvailable:
            "no free RTP port pair in rtp.port_range"
        }
    }
}
