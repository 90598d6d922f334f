/// The bridge's own address as it appears in `Via`, `Contact` and SDP (RFC 3261 §18.1.1,
/// §8.1.1.8): the advertised address when behind NAT, else the listen address.
public struct LocalEndpoint: Sendable, Hashable {
    /// Host written into Via and Contact.
    public var host: String
    /// Port written into Via and Contact.
    public var port: Int
    /// Transport token for Via (`UDP`).
    public var transport: String

    /// Creates an endpoint description.
    public init(host: String, port: Int, transport: String = "UDP") {
        self.host = host
        self.port = port
        self.transport = transport
    }

    /// The `Contact` value the bridge puts in its 2xx responses and requests (RFC 3261 §8.1.1.8).
    public var contact: NameAddress {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        // §19.1.1: a Contact for TCP or TLS names the transport, so requests come back on it.
        let parameter = transport == "UDP" ? "" : ";transport=\(transport.lowercased())"
        let uri = SIPURI(
            text: "sip:sipbridge@\(hostPart):\(port)\(parameter)", scheme: "sip", user: "sipbridge", host: host, port: port)
        return NameAddress(text: "<\(uri.text)>", uri: uri, tag: nil)
    }

    /// A `Via` for a request the bridge sends, with the `rport` flag of RFC 3581 §3.
    public func via(branch: String) -> Via {
        Via(transport: transport, host: host, port: port, parameters: [("branch", branch), ("rport", nil)])
    }
}

/// Builds responses from requests (RFC 3261 §8.2.6) and knows the reason phrases (§21).
public enum MessageFactory {
    /// The headers every message the bridge originates carries.
    public static let serverHeader = SIPHeader("Server", "sipbridge")

    /// Creates a response to `request`.
    ///
    /// Copies Via (all values, in order), From, Call-ID and CSeq, and To with `toTag` added
    /// when it has none (§8.2.6.2; never on 100 Trying). The top Via gets `received` when the
    /// source host differs from `sent-by` (§18.2.1) and `rport` filled in when the client
    /// asked for it (RFC 3581 §4).
    /// - Parameters:
    ///   - request: the request being answered.
    ///   - status: the status code.
    ///   - reason: the reason phrase; the standard one when `nil`.
    ///   - toTag: the UAS's tag for `To`.
    ///   - sourceHost: the IP address the request came from.
    ///   - sourcePort: the port the request came from.
    public static func response(
        to request: SIPMessage, status: Int, reason: String? = nil, toTag: String?,
        sourceHost: String?, sourcePort: Int?
    ) -> SIPMessage {
        let vias = ResponseVias(request, sourceHost: sourceHost, sourcePort: sourcePort)
        guard let lines = vias.lines else {
            return response(to: request, vias: vias.vias, status: status, reason: reason, toTag: toTag)
        }
        var response = response(to: request, vias: [], status: status, reason: reason, toTag: toTag)
        response.setVias(vias.requestVias, fixup: vias.fixup, renderedAs: lines)
        return response
    }

    /// A response to `request` with `vias` from `ResponseVias` (computed once for every
    /// response of a transaction).
    static func response(to request: SIPMessage, vias: [Via], status: Int, reason: String? = nil, toTag: String?) -> SIPMessage {
        var to = request.to
        if status > 100, let toTag { to = to.withTag(toTag) }
        return SIPMessage(
            startLine: .response(status: status, reason: reason ?? reasonPhrase(status)),
            vias: vias, from: request.from, to: to, callID: request.callID, cseq: request.cseq,
            otherHeaders: [serverHeader])
    }

    /// The default reason phrase of RFC 3261 §21 (and RFC 3261 extensions the bridge sends).
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Trying"
        case 180: "Ringing"
        case 183: "Session Progress"
        case 200: "OK"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 415: "Unsupported Media Type"
        case 416: "Unsupported URI Scheme"
        case 420: "Bad Extension"
        case 480: "Temporarily Unavailable"
        case 481: "Call/Transaction Does Not Exist"
        case 482: "Loop Detected"
        case 483: "Too Many Hops"
        case 486: "Busy Here"
        case 487: "Request Terminated"
        case 488: "Not Acceptable Here"
        case 491: "Request Pending"
        case 500: "Server Internal Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "Version Not Supported"
        default: "Unknown"
        }
    }
}
