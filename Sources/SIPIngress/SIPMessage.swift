public import NIOCore

/// A SIP request or response (RFC 3261 §7), as a Swift value.
///
/// Parsed from the wire by `OSIPCodec` (libosip2) with the headers the transaction and dialog
/// layers need already typed; built in Swift for the messages the bridge sends. Headers the
/// bridge does not interpret travel in `otherHeaders`, in order.
public struct SIPMessage: Sendable {
    /// The first line of a message (RFC 3261 §7.1, §7.2).
    public enum StartLine: Sendable, Hashable {
        /// `Method SP Request-URI SP SIP-Version`.
        case request(method: SIPMethod, uri: SIPURI)
        /// `SIP-Version SP Status-Code SP Reason-Phrase`.
        case response(status: Int, reason: String)
    }

    /// The fields, behind one reference: a copy of a message (into a transaction, a session, an
    /// action list) costs one retain instead of one per string and array; a change to a shared
    /// message copies the fields first (copy on write). Writing the message reads it in place,
    /// where a field read as a value would be copied whole for one string of it. Outside this
    /// file it is read only: a field set through it would change every copy that shares it.
    private(set) var storage: Storage

    /// The request or status line.
    public var startLine: StartLine {
        get { storage.startLine }
        _modify {
            uniqueStorage()
            yield &storage.startLine
        }
    }
    /// `Via` values, topmost first (RFC 3261 §20.42).
    public var vias: [Via] {
        get { storage.topViaFixup.map { $0.applied(to: storage.vias) } ?? storage.vias }
        _modify {
            uniqueStorage()
            if let fixup = storage.topViaFixup {
                storage.vias = fixup.applied(to: storage.vias)
                storage.topViaFixup = nil
            }
            storage.viaLines = nil
            storage.receivedViaLines = nil
            yield &storage.vias
        }
    }

    /// The `Via` header lines of a parsed message exactly as they arrived (CRLF included), when
    /// they were adjacent: responses copy them (RFC 3261 §8.2.6.2: the Via values of a response
    /// equal the request's), editing only the top one (`ResponseVias`). Nil for a message built
    /// here, and once `vias` changes.
    var receivedViaLines: [UInt8]? { storage.receivedViaLines }

    /// Sets `receivedViaLines` (the parser does, for the Vias it parsed from them).
    mutating func setReceivedViaLines(_ lines: [UInt8]?) {
        uniqueStorage()
        storage.receivedViaLines = lines
    }

    /// The `Via` header lines rendered once for several messages (`ViaLines`), if set.
    var renderedViaLines: [UInt8]? { storage.viaLines }

    /// Sets `vias` together with their rendering (`ViaLines(vias).wireBytes`), which every write
    /// of this message then copies instead of rendering each Via again.
    /// - Parameter fixup: when not nil, `vias` are a request's and `fixup` applies to them:
    ///   `lines` already have it, and `vias` are fixed up only when read (`ResponseVias`).
    mutating func setVias(_ vias: [Via], fixup: TopViaFixup? = nil, renderedAs lines: [UInt8]) {
        uniqueStorage()
        storage.vias = vias
        storage.topViaFixup = fixup
        storage.viaLines = lines
        storage.receivedViaLines = nil
    }
    /// `From` (RFC 3261 §20.20).
    public var from: NameAddress {
        get { storage.from }
        _modify {
            uniqueStorage()
            yield &storage.from
        }
    }
    /// `To` (RFC 3261 §20.39).
    public var to: NameAddress {
        get { storage.to }
        _modify {
            uniqueStorage()
            yield &storage.to
        }
    }
    /// `Call-ID` (RFC 3261 §20.8).
    public var callID: String {
        get { storage.callID }
        _modify {
            uniqueStorage()
            yield &storage.callID
        }
    }
    /// `CSeq` (RFC 3261 §20.16).
    public var cseq: CSeq {
        get { storage.cseq }
        _modify {
            uniqueStorage()
            yield &storage.cseq
        }
    }
    /// `Contact` values (RFC 3261 §20.10).
    public var contacts: [NameAddress] {
        get { storage.contacts }
        _modify {
            uniqueStorage()
            yield &storage.contacts
        }
    }
    /// `Record-Route` values, in order (RFC 3261 §20.30).
    public var recordRoutes: [NameAddress] {
        get { storage.recordRoutes }
        _modify {
            uniqueStorage()
            yield &storage.recordRoutes
        }
    }
    /// `Route` values, in order (RFC 3261 §20.34).
    public var routes: [NameAddress] {
        get { storage.routes }
        _modify {
            uniqueStorage()
            yield &storage.routes
        }
    }
    /// `Max-Forwards` (RFC 3261 §20.22), if present.
    public var maxForwards: Int? {
        get { storage.maxForwards }
        _modify {
            uniqueStorage()
            yield &storage.maxForwards
        }
    }
    /// `Content-Type` (RFC 3261 §20.15), if present.
    public var contentType: String? {
        get { storage.contentType }
        _modify {
            uniqueStorage()
            yield &storage.contentType
        }
    }
    /// Every other header field, in order. A parsed message keeps each field's value as it
    /// arrived, a list such as `Supported: replaces, timer` as one field (RFC 3261 §7.3.1 makes
    /// it the same as one field per element), with its name in lower case as libosip2 stores
    /// names (`Allow` excepted); the fields libosip2 types (Accept, Authorization, ...) follow,
    /// rendered back.
    public var otherHeaders: [SIPHeader] {
        get { storage.otherHeaders }
        _modify {
            uniqueStorage()
            yield &storage.otherHeaders
        }
    }
    /// The message body (its length is written as `Content-Length`, RFC 3261 §20.14).
    public var body: [UInt8] {
        get { storage.body }
        _modify {
            uniqueStorage()
            yield &storage.body
        }
    }

    /// Creates a message from its parts.
    public init(
        startLine: StartLine, vias: [Via], from: NameAddress, to: NameAddress, callID: String,
        cseq: CSeq, contacts: [NameAddress] = [], recordRoutes: [NameAddress] = [],
        routes: [NameAddress] = [], maxForwards: Int? = nil, contentType: String? = nil,
        otherHeaders: [SIPHeader] = [], body: [UInt8] = []
    ) {
        self.init(
            startLine: startLine, method: Storage.method(of: startLine), requestURIIsSIP: Storage.requestURIIsSIP(startLine),
            vias: vias, from: from, to: to, callID: callID, cseq: cseq, contacts: contacts, recordRoutes: recordRoutes,
            routes: routes, maxForwards: maxForwards, contentType: contentType, otherHeaders: otherHeaders, body: body)
    }

    /// Creates a message whose start line's method and Request-URI scheme check (for a request)
    /// the caller has at hand: both must be `startLine`'s (debug builds check).
    init(
        startLine: StartLine, method: SIPMethod?, requestURIIsSIP: Bool, vias: [Via], from: NameAddress, to: NameAddress,
        callID: String, cseq: CSeq, contacts: [NameAddress], recordRoutes: [NameAddress], routes: [NameAddress],
        maxForwards: Int?, contentType: String?, otherHeaders: [SIPHeader], body: [UInt8]
    ) {
        assert(method == Storage.method(of: startLine), "method differs from the start line's")
        assert(requestURIIsSIP == Storage.requestURIIsSIP(startLine), "scheme check differs from the start line's")
        storage = Storage(
            startLine: startLine, method: method, requestURIIsSIP: requestURIIsSIP, vias: vias, from: from, to: to,
            callID: callID, cseq: cseq, contacts: contacts, recordRoutes: recordRoutes, routes: routes,
            maxForwards: maxForwards, contentType: contentType, otherHeaders: otherHeaders, body: body)
    }

    private mutating func uniqueStorage() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// The method of a request, or `nil` for a response.
    public var method: SIPMethod? { storage.method }

    /// The `tag` of `To` (RFC 3261 §19.3: a request with one is inside a dialog), read without
    /// copying the whole `To` value.
    var toTag: String? { storage.to.tag }

    /// Whether this is a request whose Request-URI is a SIP or SIPS URI (RFC 3261 §8.2.2.1;
    /// `false` for a response), read without copying the start line.
    var requestURIIsSIP: Bool { storage.requestURIIsSIP }

    /// The Request-URI of a request, or `nil` for a response.
    public var requestURI: SIPURI? {
        if case .request(_, let uri) = startLine { return uri }
        return nil
    }

    /// The status code of a response, or `nil` for a request.
    public var statusCode: Int? {
        if case .response(let status, _) = startLine { return status }
        return nil
    }

    /// Calls `body` with `otherHeaders` read in place: iterating the array itself copies every
    /// element, retaining and releasing its name and value, and an INVITE's headers are scanned
    /// several times.
    func withOtherHeaders<Result>(_ body: (UnsafeBufferPointer<SIPHeader>) -> Result) -> Result {
        let headers = storage.otherHeaders
        return headers.withUnsafeBufferPointer(body)
    }

    /// The first value of an uninterpreted header, matched case-insensitively (RFC 3261 §7.3.1).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return otherHeaders.first { $0.name.lowercased() == lower }?.value
    }

    /// Writes the message in wire format (RFC 3261 §7): start line, headers, an empty line,
    /// the body. `Content-Length` is always written (mandatory over TCP, §20.14).
    /// - Parameter buffer: the buffer to append to.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeWire(self)
    }

    /// The message in wire format as a string (for logs and tests).
    public var wireText: String {
        var buffer = ByteBuffer()
        write(into: &buffer)
        return String(buffer: buffer)
    }
}

extension SIPMessage {
    /// Parses one message (RFC 3261 §7) with libosip2, as the transport layer does for a
    /// datagram or a framed stream message.
    /// - Throws: `SIPIngressError` (400, or 505 for a foreign SIP-Version).
    public init(parsing bytes: UnsafeRawBufferPointer) throws(SIPIngressError) {
        self = try OSIPCodec.parseMessage(bytes)
    }
}
