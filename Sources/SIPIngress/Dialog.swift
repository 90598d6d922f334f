/// The dialog state of RFC 3261 §12 from the UAS side: created when the bridge answers an
/// INVITE with a 2xx (§12.1.1) and used to build in-dialog requests such as BYE (§12.2.1.1).
public struct Dialog: Sendable, Hashable {
    /// `Call-ID` of the dialog.
    public let callID: String
    /// The bridge's tag (in `To` of the INVITE's responses).
    public let localTag: String
    /// The caller's tag (in `From` of the INVITE); `nil` for RFC 2543 peers.
    public let remoteTag: String?
    /// The local URI with tag: the INVITE's `To` plus the local tag.
    public let localAddress: NameAddress
    /// The remote URI with tag: the INVITE's `From`.
    public let remoteAddress: NameAddress
    /// Where in-dialog requests go: the INVITE's `Contact` URI (§12.1.1).
    public var remoteTarget: SIPURI
    /// The route set: the INVITE's `Record-Route` values in order (§12.1.1).
    public let routeSet: [NameAddress]
    /// The last CSeq number the bridge used (§12.2.1.1); starts from a random value.
    public private(set) var localSequence: UInt32
    /// The caller's CSeq number from the INVITE (§12.2.2: later requests must be higher).
    public var remoteSequence: UInt32

    /// Creates the dialog for an INVITE the bridge answers (§12.1.1).
    /// - Parameters:
    ///   - invite: the INVITE.
    ///   - localTag: the tag the bridge put in `To`.
    ///   - initialLocalSequence: the first CSeq the bridge will use minus one.
    public init(invite: SIPMessage, localTag: String, initialLocalSequence: UInt32) {
        callID = invite.callID
        self.localTag = localTag
        remoteTag = invite.from.tag
        localAddress = invite.to.withTag(localTag)
        remoteAddress = invite.from
        remoteTarget = invite.contacts.first?.uri ?? invite.from.uri
        routeSet = invite.recordRoutes
        localSequence = initialLocalSequence
        remoteSequence = invite.cseq.number
    }

    /// Builds a request within the dialog (§12.2.1.1), taking the next local CSeq.
    ///
    /// With a loose-routing first route (`;lr`) the Request-URI is the remote target and the
    /// route set becomes `Route`; with a strict router the first route becomes the
    /// Request-URI and the remote target is appended (§12.2.1.1).
    /// - Parameters:
    ///   - method: the method, e.g. BYE.
    ///   - via: the bridge's Via with a fresh branch.
    ///   - contact: the bridge's Contact.
    public mutating func makeRequest(_ method: SIPMethod, via: Via, contact: NameAddress) -> SIPMessage {
        localSequence &+= 1
        var requestURI = remoteTarget
        var routes = routeSet
        if let first = routeSet.first, !first.uri.text.lowercased().contains(";lr") {
            requestURI = first.uri
            routes = Array(routeSet.dropFirst())
            routes.append(NameAddress(text: "<\(remoteTarget.text)>", uri: remoteTarget, tag: nil))
        }
        return SIPMessage(
            startLine: .request(method: method, uri: requestURI), vias: [via], from: localAddress,
            to: remoteAddress, callID: callID, cseq: CSeq(number: localSequence, method: method),
            contacts: method == .bye ? [] : [contact], routes: routes, maxForwards: 70,
            otherHeaders: [SIPHeader("User-Agent", "sipbridge")])
    }
}
