/// Identifies one incoming INVITE (and the dialog it creates) between SIPIngress and the
/// application.
public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    /// A process-unique number.
    public let rawValue: UInt64

    /// Wraps a number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public var description: String { "sip-\(rawValue)" }
}

/// A new call offered to the application: the parts of the INVITE that routing and the stream
/// need, and the parsed SDP offer.
public struct IncomingCall: Sendable {
    /// The session handle to answer with.
    public let id: SessionID
    /// The INVITE itself.
    public let invite: SIPMessage
    /// The caller's SDP offer (RFC 3264 §5).
    public let offer: SessionDescription
    /// The IP address the INVITE came from.
    public let sourceHost: String
    /// The port the INVITE came from.
    public let sourcePort: Int
    /// The transport the INVITE came on (TLS or not decides whether SDES keys are acceptable).
    public let transport: SIPTransport

    /// Creates an incoming call description.
    public init(
        id: SessionID, invite: SIPMessage, offer: SessionDescription, sourceHost: String, sourcePort: Int,
        transport: SIPTransport = .udp
    ) {
        self.id = id
        self.invite = invite
        self.offer = offer
        self.sourceHost = sourceHost
        self.sourcePort = sourcePort
        self.transport = transport
    }

    /// The Request-URI's user part (the dialled number on most trunks).
    public var requestUser: String? { invite.requestURI?.user }
    /// The `To` URI's user part.
    public var toUser: String? { invite.to.uri.user }
    /// The `From` URI's user part (the caller's number).
    public var fromUser: String? { invite.from.uri.user }
    /// The SIP `Call-ID`.
    public var sipCallID: String { invite.callID }
}

/// Receives call events from the SIP layer. Methods are called on the SIP event loop and must
/// not block; implementations hop to the call's own loop.
public protocol UserAgentDelegate: Sendable {
    /// An INVITE arrived and was answered `100 Trying`; the application must eventually call
    /// `UserAgent.accept` or `UserAgent.reject` (or the caller cancels first).
    func incomingCall(_ call: IncomingCall)

    /// The call ended on the SIP side; no further events come for `id`.
    func callEnded(_ id: SessionID, reason: CallEndReason)

    /// A re-INVITE or UPDATE changed the session (hold, resume, new address), or an ACK
    /// answered the bridge's offer. For `.offer` and `.offerless` the application must call
    /// `UserAgent.answerUpdate` or `UserAgent.rejectUpdate`.
    func sessionUpdated(_ id: SessionID, _ update: SessionUpdate)

    /// The caller pressed a key, sent as SIP INFO (`application/dtmf-relay` or `application/dtmf`).
    func receivedDTMF(_ id: SessionID, digit: Character, durationMilliseconds: Int)
}
