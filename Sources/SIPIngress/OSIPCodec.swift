import COSIP2
import NIOCore

/// The one place that talks to libosip2 (STYLE.md rule 11): parses SIP messages (RFC 3261 §7)
/// and, in `OSIPCodec+SessionDescription.swift`, session descriptions (RFC 4566) into Swift
/// values and releases every osip allocation before returning (freed, or reclaimed with the
/// thread's `OSIPArena` when that holds them all). No osip pointer leaves `OSIPCodec` and
/// its extensions (`OSIPCodec+*.swift`) and `OSIPArena`, which allocates for them.
enum OSIPCodec {
    /// `parser_init()` must run exactly once before the first parse (libosip2 builds its header
    /// lookup table there); a `static let` initialiser runs once, thread-safely.
    /// libosip2's own trace is switched off: it writes a line to stdout for every message it
    /// rejects, which on a public address is log noise an attacker controls. The bridge logs
    /// rejections itself, at a level the operator chooses.
    static let parserReady: Bool = {
        parser_init()
        osip_trace_initialize_func(osip_trace_level_t(rawValue: 0), { _, _, _, _, _ in })
        for level in 0..<8 { osip_trace_disable_level(osip_trace_level_t(rawValue: UInt32(level))) }
        _ = OSIPArena.installed
        return true
    }()

    /// Parses one SIP message.
    /// - Parameter bytes: exactly one message (a UDP datagram or one framed TCP message).
    /// - Throws: `SIPIngressError` (400) when libosip2 rejects it or a mandatory header
    ///   (RFC 3261 §8.1.1: Via, From, To, Call-ID, CSeq) is missing or unusable;
    ///   `.versionNotSupported` (505) when it is not SIP/2.0.
    static func parseMessage(_ bytes: UnsafeRawBufferPointer) throws(SIPIngressError) -> SIPMessage {
        precondition(parserReady)
        if let escapedNull = EscapedNull(bytes) {
            let substituted = escapedNull.substituted(bytes)
            let parsed = substituted.withUnsafeBytes { bytes in
                Result { () throws(SIPIngressError) -> SIPMessage in try parse(bytes) }
            }
            // The Via lines as received would show the substitute.
            var restored = escapedNull.restore(try parsed.get())
            restored.setReceivedViaLines(nil)
            return restored
        }
        return try parse(bytes)
    }

    /// libosip2's parse and the conversion of its result, allocating from the thread's arena.
    private static func parse(_ bytes: UnsafeRawBufferPointer) throws(SIPIngressError) -> SIPMessage {
        try OSIPArena.withArena { () throws(SIPIngressError) -> SIPMessage in try parseInArena(bytes) }
    }

    /// libosip2's parse and the conversion; inside an `OSIPArena.withArena` scope.
    /// - Parameter splitting: whether a plain message may be parsed split (`parseSplit`); debug
    ///   builds' check parses with it off.
    static func parseInArena(_ bytes: UnsafeRawBufferPointer, splitting: Bool = true) throws(SIPIngressError) -> SIPMessage {
        if splitting, let parsed = try withMessage({ message throws(SIPIngressError) in try parseSplit(bytes, into: message) }) {
            #if DEBUG
            checkSplit(parsed, bytes)
            #endif
            return parsed
        }
        guard !MultipartGuard.repeatsPartContentType(bytes) else { throw multipartError }
        return try withMessage { message throws(SIPIngressError) in
            let status = bytes.withMemoryRebound(to: CChar.self) { osip_message_parse(message, $0.baseAddress, $0.count) }
            guard status == 0 else { throw .malformedMessage("rejected by the parser (\(status))") }
            var fields = UninterpretedFields()
            return try convert(message.pointee, fields: &fields, body: nil)
        }
    }

    /// `body` with a new libosip2 message, freed after it (not block by block when the arena
    /// holds all of its blocks); inside an `OSIPArena.withArena` scope.
    static func withMessage<Result>(
        _ body: (UnsafeMutablePointer<osip_message_t>) throws(SIPIngressError) -> Result
    ) throws(SIPIngressError) -> Result {
        var pointer: UnsafeMutablePointer<osip_message_t>?
        guard osip_message_init(&pointer) == 0, let message = pointer else {
            throw .malformedMessage("cannot allocate a message")
        }
        defer { if !OSIPArena.holdsEverything() { osip_message_free(message) } }
        return try body(message)
    }

    /// libosip2 5.3 leaks a multipart body part's first `Content-Type` when it has two
    /// (`MultipartGuard`): such messages are refused before libosip2 parses them.
    private static let multipartError = SIPIngressError.malformedMessage("a multipart body part with two Content-Type headers")

    // MARK: - Message conversion

    /// - Parameter body: the body when the message was parsed split (libosip2 then has none).
    static func convert(
        _ m: osip_message_t, fields: inout UninterpretedFields, body splitBody: UnsafeRawBufferPointer?
    ) throws(SIPIngressError) -> SIPMessage {
        // RFC 3261 §7.1, §21.5.6: only SIP/2.0 is spoken (RFC 4475 §3.1.2.16 badvers: 505).
        guard holds(m.sip_version, "SIP/2.0") else { throw .versionNotSupported }
        let startLine: SIPMessage.StartLine
        var requestMethod: SIPMethod?
        var requestURIIsSIP = false
        if m.status_code == 0 {
            guard let method = string(m.sip_method, among: .methods), let uri = m.req_uri.flatMap(convertURI) else {
                throw .malformedMessage("bad request line")
            }
            requestMethod = SIPMethod(rawValue: method)
            requestURIIsSIP = SIPURI.isSIPScheme(uri.scheme)
            startLine = .request(method: SIPMethod(rawValue: method), uri: uri)
        } else {
            // libosip2 wraps an overlarge code into an int (RFC 4475 §3.1.2.19 bigcode: 4294967301
            // becomes 5); RFC 3261 §7.2 allows 100-699 only.
            guard (100...699).contains(m.status_code) else { throw .malformedMessage("bad status code") }
            startLine = .response(status: Int(m.status_code), reason: string(m.reason_phrase) ?? "")
        }
        var m = m
        var vias: [Via] = []
        vias.reserveCapacity(Int(m.vias.nb_elt))
        forEach(&m.vias, as: osip_via_t.self) { if let via = convertVia($0) { vias.append(via) } }
        guard !vias.isEmpty else { throw .missingHeader("Via") }
        guard let from = m.from.flatMap(convertNameAddress) else { throw .missingHeader("From") }
        guard let to = m.to.flatMap(convertNameAddress) else { throw .missingHeader("To") }
        guard let callIDPointer = m.call_id, let callID = callIDText(callIDPointer) else { throw .missingHeader("Call-ID") }
        guard let cseqPointer = m.cseq, let number = integer(cseqPointer.pointee.number, as: UInt32.self),
            let cseqMethod = string(cseqPointer.pointee.method, among: .methods)
        else { throw .missingHeader("CSeq") }

        // libosip2 accepts `Content-Length: -999` (RFC 4475 §3.1.2.3 ncl); RFC 3261 §20.14 is 1*DIGIT.
        if let length = m.content_length, integer(length.pointee.value, as: UInt32.self) == nil {
            throw .malformedMessage("bad Content-Length")
        }
        forEach(&m.headers, as: osip_header_t.self) { header in
            guard let name = header.pointee.hname else { return }
            fields.add(name: rawBytes(name), value: header.pointee.hvalue.map(rawBytes))
        }
        if fields.badMaxForwards { throw .missingHeader("Max-Forwards") }
        let maxForwards = fields.maxForwards
        var others = fields.headers
        fields.headers = []
        typedHeaders(&m, into: &others)
        var contentType = m.content_type.flatMap(contentTypeText)
        var body: [UInt8] = []
        if let splitBody {
            body = Array(splitBody)
        } else if m.bodies.nb_elt == 1, let only = m.bodies.node?.pointee.element?.assumingMemoryBound(to: osip_body_t.self) {
            body = bytes(only.pointee)
        } else if let sdp = list(&m.bodies, as: osip_body_t.self).first(where: { isSDP($0.pointee.content_type) }) {
            // A multipart body (RFC 5621): keep the SDP part, the only one the bridge reads. The
            // CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1), so the part's
            // last SDP line gets its line end back (RFC 4566 §5 ends every line with one).
            body = bytes(sdp.pointee)
            if body.last != UInt8(ascii: "\n") { body += [0x0D, 0x0A] }
            contentType = "application/sdp"
        }
        return SIPMessage(
            startLine: startLine, method: requestMethod, requestURIIsSIP: requestURIIsSIP, vias: vias, from: from, to: to,
            callID: callID, cseq: CSeq(number: number, method: SIPMethod(rawValue: cseqMethod)),
            contacts: nameAddresses(&m.contacts), recordRoutes: nameAddresses(&m.record_routes),
            routes: nameAddresses(&m.routes),
            maxForwards: maxForwards, contentType: contentType, otherHeaders: others, body: body)
    }

    private static func convertURI(_ uri: UnsafeMutablePointer<osip_uri_t>) -> SIPURI? {
        let plain = plainURIText(uri)
        assert(plain == nil || plain == toString(uri, osip_uri_to_str), "plain URI text differs from libosip2's")
        guard let text = plain ?? toString(uri, osip_uri_to_str) else { return nil }
        return makeURI(uri, text: text, range: nil, plain: plain != nil)
    }

    /// The URI with its text (or, for a name-addr's URI, the name-addr's text and the URI's
    /// UTF-8 offsets in it), or nil for a host that is not one. A `plain` text is
    /// `writePlainURI`'s, `scheme:[user@]host…`, so the user and host are read from it when
    /// asked for instead of being copied now.
    @inline(__always) private static func makeURI(
        _ uri: UnsafeMutablePointer<osip_uri_t>, text: String, range: Range<Int>?, plain: Bool
    ) -> SIPURI? {
        let scheme = string(uri.pointee.scheme, among: .schemes) ?? ""
        // A host with a colon must be an IPv6 reference (RFC 3261 §25.1, RFC 5118 §4.2 and
        // §4.10): libosip2 reads `sip:2001:db8::10` as host `2001:db8:` and accepts `:::`.
        if let hostText = uri.pointee.host, strchr(hostText, Int32(UInt8(ascii: ":"))) != nil,
            (try? SocketAddress(ipAddress: string(hostText) ?? "", port: 0))?.protocol != .inet6
        {
            return nil
        }
        let port = integer(uri.pointee.port, as: Int.self)
        if plain, let schemeText = uri.pointee.scheme, let hostText = uri.pointee.host {
            var at = (range?.lowerBound ?? 0) + strlen(schemeText) + 1
            var user: Range<Int>?
            if let userText = uri.pointee.username {
                let end = at + strlen(userText)
                user = at..<end
                at = end + 1
            }
            let read = SIPURI.plain(in: text, range: range, scheme: scheme, user: user, host: at..<(at + strlen(hostText)), port: port)
            assert(read.user == string(uri.pointee.username) && read.host == string(hostText), "plain URI parts differ from libosip2's")
            return read
        }
        let (host, user) = (string(uri.pointee.host) ?? "", string(uri.pointee.username))
        guard let range else { return SIPURI(text: text, scheme: scheme, user: user, host: host, port: port) }
        return .enclosed(in: text, range: range, scheme: scheme, user: user, host: host, port: port)
    }

    private static func convertVia(_ via: UnsafeMutablePointer<osip_via_t>) -> Via? {
        guard let transport = string(via.pointee.protocol, among: .transports), let host = string(via.pointee.host) else {
            return nil
        }
        var parameters: [(name: String, value: String?)] = []
        parameters.reserveCapacity(Int(via.pointee.via_params.nb_elt))
        forEach(&via.pointee.via_params, as: osip_generic_param_t.self) { param in
            if let name = string(param.pointee.gname, among: .viaParameters) {
                parameters.append((name, string(param.pointee.gvalue)))
            }
        }
        let port = integer(via.pointee.port, as: Int.self)
        return Via(transport: transport.asciiUppercased, host: host, port: port, parameters: parameters)
    }

    private static func nameAddresses(_ items: inout osip_list_t) -> [NameAddress] {
        guard items.nb_elt > 0 else { return [] }
        var result: [NameAddress] = []
        result.reserveCapacity(Int(items.nb_elt))
        forEach(&items, as: osip_from_t.self) { if let value = convertNameAddress($0) { result.append(value) } }
        return result
    }

    /// A name-addr with its wire text rendered as `osip_from_to_str` does (`display-name <uri>`
    /// or `<uri>`, then `;name[=value]` per parameter, RFC 3261 §25.1): sized in one walk over
    /// osip's strings and copied in a second, into one string, which also holds the URI's text
    /// (`SIPURI.enclosed(in:range:...)`).
    private static func convertNameAddress(_ header: UnsafeMutablePointer<osip_from_t>) -> NameAddress? {
        guard let url = header.pointee.url else { return nil }
        // A URI that is not plain is written by libosip2 (escaped as it escapes it).
        let plainLength = plainURILength(url)
        var rendered = plainLength == nil ? toString(url, osip_uri_to_str) : nil
        guard let uriLength = plainLength ?? rendered?.utf8.count else { return nil }
        let displayName = header.pointee.displayname
        let uriStart = (displayName.map { strlen($0) + 1 } ?? 0) + 1
        var tag: String?
        var length = uriStart + uriLength + 1
        forEach(&header.pointee.gen_params, as: osip_generic_param_t.self) { param in
            length += 1 + (param.pointee.gname.map { strlen($0) } ?? missingName.count)
            if let value = param.pointee.gvalue { length += 1 + strlen(value) }
            if let name = param.pointee.gname, HeaderFieldScan.equalFolded(bytes(name), "tag".utf8) {
                tag = string(param.pointee.gvalue)
            }
        }
        let text = String(unsafeUninitializedCapacity: length) { out in
            var writer = WireWriter(UnsafeMutableRawBufferPointer(out))
            if let displayName {
                writer.append(cString: displayName)
                writer.appendByte(UInt8(ascii: " "))
            }
            writer.appendByte(UInt8(ascii: "<"))
            if plainLength != nil {
                writePlainURI(url, into: &writer)
            } else {
                rendered?.withUTF8 { writer.append(UnsafeRawBufferPointer($0)) }
            }
            writer.appendByte(UInt8(ascii: ">"))
            forEach(&header.pointee.gen_params, as: osip_generic_param_t.self) { param in
                writer.appendByte(UInt8(ascii: ";"))
                if let name = param.pointee.gname {
                    writer.append(cString: name)
                } else {
                    missingName.withUnsafeBytes { writer.append($0) }
                }
                if let value = param.pointee.gvalue {
                    writer.appendByte(UInt8(ascii: "="))
                    writer.append(cString: value)
                }
            }
            return writer.offset
        }
        guard text.utf8.count == length else {
            // Bytes that are not UTF-8 (in a display name or a parameter) were replaced, which
            // moved the URI: it gets a string of its own.
            guard let own = rendered ?? plainURIText(url), let uri = makeURI(url, text: own, range: nil, plain: rendered == nil)
            else { return nil }
            return NameAddress(text: text, uri: uri, tag: tag)
        }
        guard let uri = makeURI(url, text: text, range: uriStart..<(uriStart + uriLength), plain: plainLength != nil) else { return nil }
        assert(uri.text == toString(url, osip_uri_to_str), "name-addr URI text differs from libosip2's")
        return NameAddress(text: text, uri: uri, tag: tag)
    }

    /// What osip writes for a parameter without a name.
    private static let missingName = Array("(null)".utf8)

    /// The header fields libosip2 moves out of its generic list into typed lists (Accept,
    /// Allow, Authorization, ...), rendered back so that `otherHeaders` holds every field.
    private static func typedHeaders(_ m: inout osip_message_t, into result: inout [SIPHeader]) {
        func add<T>(
            _ name: String, _ items: inout osip_list_t,
            _ render: (UnsafePointer<T>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
        ) {
            forEach(&items, as: T.self) { item in
                if let value = toString(item, render) { result.append(SIPHeader(name, value)) }
            }
        }
        add("Accept", &m.accepts, osip_accept_to_str)
        add("Accept-Encoding", &m.accept_encodings, osip_accept_encoding_to_str)
        add("Accept-Language", &m.accept_languages, osip_accept_encoding_to_str)
        add("Alert-Info", &m.alert_infos, osip_call_info_to_str)
        oneField("Allow", &m.allows, into: &result)
        add("Authentication-Info", &m.authentication_infos, osip_authentication_info_to_str)
        add("Authorization", &m.authorizations, osip_authorization_to_str)
        add("Call-Info", &m.call_infos, osip_call_info_to_str)
        oneField("Content-Encoding", &m.content_encodings, into: &result)
        add("Error-Info", &m.error_infos, osip_call_info_to_str)
        add("Proxy-Authenticate", &m.proxy_authenticates, osip_www_authenticate_to_str)
        add("Proxy-Authentication-Info", &m.proxy_authentication_infos, osip_authentication_info_to_str)
        add("Proxy-Authorization", &m.proxy_authorizations, osip_authorization_to_str)
        add("WWW-Authenticate", &m.www_authenticates, osip_www_authenticate_to_str)
        if let version = m.mime_version, let value = toString(version, osip_content_length_to_str) {
            result.append(SIPHeader("MIME-Version", value))
        }
    }

    /// A list header libosip2 splits into one token per element (`Allow`, `Content-Encoding`),
    /// joined back into one field: RFC 3261 §7.3.1 makes `Allow: INVITE, ACK` and two `Allow`
    /// rows the same, and one field is what the core and a log reader want to see.
    private static func oneField(_ name: String, _ items: inout osip_list_t, into result: inout [SIPHeader]) {
        var length = 0
        var count = 0
        forEach(&items, as: osip_content_length_t.self) { item in
            guard let value = item.pointee.value else { return }
            length += strlen(value)
            count += 1
        }
        guard count > 0 else { return }
        let capacity = length + 2 * (count - 1)
        guard capacity > 0 else { return result.append(SIPHeader(name, "")) }
        let value = String(unsafeUninitializedCapacity: capacity) { out in
            var at = 0
            forEach(&items, as: osip_content_length_t.self) { item in
                guard let value = item.pointee.value else { return }
                if at > 0 {
                    out[at] = UInt8(ascii: ",")
                    out[at + 1] = UInt8(ascii: " ")
                    at += 2
                }
                let size = strlen(value)
                UnsafeMutableRawPointer(out.baseAddress! + at).copyMemory(from: value, byteCount: size)
                at += size
            }
            return at
        }
        result.append(SIPHeader(name, value))
    }

    private static func isSDP(_ type: UnsafeMutablePointer<osip_content_type_t>?) -> Bool {
        guard let type else { return false }
        return string(type.pointee.type)?.lowercased() == "application"
            && string(type.pointee.subtype)?.lowercased() == "sdp"
    }

    private static func bytes(_ body: osip_body_t) -> [UInt8] {
        guard let data = body.body, body.length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: body.length))
    }
}
