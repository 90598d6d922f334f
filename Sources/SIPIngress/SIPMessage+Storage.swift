extension SIPMessage {
    /// A message's fields (RFC 3261 §7), shared between copies of a `SIPMessage` until one of
    /// them changes.
    ///
    /// `@unchecked Sendable`: a `SIPMessage` changes its storage only when it holds the one
    /// reference (`isKnownUniquelyReferenced`), otherwise it copies first, so a storage that two
    /// messages (or two threads) share is never written.
    final class Storage: @unchecked Sendable {
        var startLine: StartLine
        var vias: [Via]
        var from: NameAddress
        var to: NameAddress
        var callID: String
        var cseq: CSeq
        var contacts: [NameAddress]
        var recordRoutes: [NameAddress]
        var routes: [NameAddress]
        var maxForwards: Int?
        var contentType: String?
        var otherHeaders: [SIPHeader]
        var body: [UInt8]

        init(
            startLine: StartLine, vias: [Via], from: NameAddress, to: NameAddress, callID: String, cseq: CSeq,
            contacts: [NameAddress], recordRoutes: [NameAddress], routes: [NameAddress], maxForwards: Int?,
            contentType: String?, otherHeaders: [SIPHeader], body: [UInt8]
        ) {
            self.startLine = startLine
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

        /// A storage of its own with the same fields (before a shared message changes).
        func copy() -> Storage {
            Storage(
                startLine: startLine, vias: vias, from: from, to: to, callID: callID, cseq: cseq, contacts: contacts,
                recordRoutes: recordRoutes, routes: routes, maxForwards: maxForwards, contentType: contentType,
                otherHeaders: otherHeaders, body: body)
        }
    }
}
