extension SIPMessage {
    /// A message's fields (RFC 3261 §7), shared between copies of a `SIPMessage` until one of
    /// them changes.
    ///
    /// `@unchecked Sendable`: a `SIPMessage` changes its storage only when it holds the one
    /// reference (`isKnownUniquelyReferenced`), otherwise it copies first, so a storage that two
    /// messages (or two threads) share is never written.
    ///
    /// `@exclusivity(unchecked)`: a class's stored properties are otherwise checked for
    /// overlapping access at run time, on every read (a runtime call that records the access in
    /// a thread-local set: about 5 % of an INVITE's handling, most of it in writing responses).
    /// Only `SIPMessage`'s accessors touch these fields, and the compiler already checks
    /// overlapping access to a `SIPMessage` variable statically.
    final class Storage: @unchecked Sendable {
        @exclusivity(unchecked) var startLine: StartLine {
            didSet {
                method = Self.method(of: startLine)
                requestURIIsSIP = Self.requestURIIsSIP(startLine)
            }
        }
        /// The request's method, kept beside `startLine`: taking it out of the enum copied the
        /// whole start line (the Request-URI's strings) on every read, several per request.
        @exclusivity(unchecked) private(set) var method: SIPMethod?
        /// Whether the message is a request whose Request-URI is a SIP or SIPS URI (RFC 3261
        /// §8.2.2.1), kept beside `startLine` for the same reason (the check runs per request).
        @exclusivity(unchecked) private(set) var requestURIIsSIP: Bool
        @exclusivity(unchecked) var vias: [Via]
        @exclusivity(unchecked) var from: NameAddress
        @exclusivity(unchecked) var to: NameAddress
        @exclusivity(unchecked) var callID: String
        @exclusivity(unchecked) var cseq: CSeq
        @exclusivity(unchecked) var contacts: [NameAddress]
        @exclusivity(unchecked) var recordRoutes: [NameAddress]
        @exclusivity(unchecked) var routes: [NameAddress]
        @exclusivity(unchecked) var maxForwards: Int?
        @exclusivity(unchecked) var contentType: String?
        @exclusivity(unchecked) var otherHeaders: [SIPHeader]
        @exclusivity(unchecked) var body: [UInt8]
        /// The `Via` header lines as rendered from `vias`, when whoever set them had them
        /// already (a session's responses share one rendering); dropped when `vias` changes.
        @exclusivity(unchecked) var viaLines: [UInt8]?
        /// A parsed message's `Via` header lines as they arrived (`SIPMessage.receivedViaLines`);
        /// dropped when `vias` changes.
        @exclusivity(unchecked) var receivedViaLines: [UInt8]?
        /// A fix-up `SIPMessage.vias` applies to `vias` when read (set only with `viaLines`,
        /// which have it already: a response's copy of its request's Vias).
        @exclusivity(unchecked) var topViaFixup: TopViaFixup?

        init(
            startLine: StartLine, method: SIPMethod?, requestURIIsSIP: Bool, vias: [Via], from: NameAddress, to: NameAddress,
            callID: String, cseq: CSeq, contacts: [NameAddress], recordRoutes: [NameAddress], routes: [NameAddress],
            maxForwards: Int?, contentType: String?, otherHeaders: [SIPHeader], body: [UInt8]
        ) {
            self.startLine = startLine
            self.method = method
            self.requestURIIsSIP = requestURIIsSIP
            self.vias = vias
            self.from = from
            self.to = to
            self.callID = callID
            self.cseq = cseq
            self.contacts = contacts
            self.recordRoutes = recordRoutes
            self.routes = routes
            self.maxForwards = maxForwards
            self.contentType = contentType
            self.otherHeaders = otherHeaders
            self.body = body
        }

        static func method(of startLine: StartLine) -> SIPMethod? {
            if case .request(let method, _) = startLine { return method }
            return nil
        }

        static func requestURIIsSIP(_ startLine: StartLine) -> Bool {
            guard case .request(_, let uri) = startLine else { return false }
            return SIPURI.isSIPScheme(uri.scheme)
        }

        /// A storage of its own with the same fields (before a shared message changes).
        func copy() -> Storage {
            let copy = Storage(
                startLine: startLine, method: method, requestURIIsSIP: requestURIIsSIP, vias: vias, from: from, to: to,
                callID: callID, cseq: cseq, contacts: contacts, recordRoutes: recordRoutes, routes: routes,
                maxForwards: maxForwards, contentType: contentType, otherHeaders: otherHeaders, body: body)
            copy.viaLines = viaLines
            copy.receivedViaLines = receivedViaLines
            copy.topViaFixup = topViaFixup
            return copy
        }
    }
}
