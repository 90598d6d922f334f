#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import COSIP2

/// A plain message parsed split (`HeaderSection`): libosip2 builds the same message it builds
/// from the whole text (`osip_message_parse`), one field at a time, with its start line and body
/// set as its own parse sets them for a plain message. Anything else — a start line, a
/// `Content-Length` or a body that is not plain, a multipart body, a field libosip2 refuses — is
/// left to the whole parse, so libosip2 gives its own answer to it.
extension OSIPCodec {
    /// The message, or nil when it is to be parsed whole (`message` then holds what was set so
    /// far and is to be thrown away).
    static func parseSplit(
        _ bytes: UnsafeRawBufferPointer, into message: UnsafeMutablePointer<osip_message_t>
    ) throws(SIPIngressError) -> SIPMessage? {
        guard !bytes.isEmpty, let scratch = OSIPArena.allocate(byteCount: bytes.count) else { return nil }
        defer { OSIPArena.release(scratch) }
        var fields = UninterpretedFields()
        guard
            let layout = HeaderSection.split(
                bytes, scratch: UnsafeMutableRawBufferPointer(start: scratch, count: bytes.count), fields: &fields,
                interpreted: { kind, name, value in set(kind, name, value, in: message) }),
            setStartLine(UnsafeRawBufferPointer(rebasing: bytes[..<layout.startLineEnd]), of: message),
            let body = body(of: message.pointee, bytes, from: layout.bodyStart)
        else { return nil }
        var parsed = try convert(message.pointee, fields: &fields, body: UnsafeRawBufferPointer(rebasing: bytes[body]))
        if let vias = layout.viaLines { parsed.setReceivedViaLines(Array(UnsafeRawBufferPointer(rebasing: bytes[vias]))) }
        return parsed
    }

    /// Sets a field as libosip2's header loop does (`osip_message_set_multiple_header`): a value
    /// that holds a comma is split at its commas outside quotes and URIs, except for the fields
    /// that have one value (From, To, Call-ID, CSeq and a few more), and each value goes to the
    /// field's function in libosip2's table (`parser_init`), found by the lower-cased name. For
    /// the fields every message has the function is called here directly — libosip2 would call
    /// the same one — when there is nothing to split. A refused field (false) leaves the message
    /// to the whole parse, even for the fields libosip2 would ignore when invalid.
    private static func set(
        _ kind: HeaderSection.FieldKind, _ name: UnsafeMutablePointer<CChar>, _ value: UnsafeMutablePointer<CChar>?,
        in message: UnsafeMutablePointer<osip_message_t>
    ) -> Bool {
        guard let value else { return osip_message_set_multiple_header(message, name, nil) == 0 }
        let single: Bool
        switch kind {
        case .from, .to, .callID, .cseq: single = true
        default: single = strchr(value, Int32(UInt8(ascii: ","))) == nil
        }
        guard single else { return osip_message_set_multiple_header(message, name, value) == 0 }
        switch kind {
        case .via: return osip_message_set_via(message, value) == 0
        case .from: return osip_message_set_from(message, value) == 0
        case .to: return osip_message_set_to(message, value) == 0
        case .callID: return osip_message_set_call_id(message, value) == 0
        case .cseq: return osip_message_set_cseq(message, value) == 0
        case .contact: return osip_message_set_contact(message, value) == 0
        case .recordRoute: return osip_message_set_record_route(message, value) == 0
        case .route: return osip_message_set_route(message, value) == 0
        case .contentType: return osip_message_set_content_type(message, value) == 0
        case .contentLength: return osip_message_set_content_length(message, value) == 0
        case .interpreted, .uninterpreted: return osip_message_set_multiple_header(message, name, value) == 0
        }
    }

    /// Sets a plain start line as libosip2's `__osip_message_startline_parse` sets it: a request
    /// line `Method SP Request-URI SP SIP/2.0` (RFC 3261 §7.1) with a token (§25.1) for a method
    /// and only visible ASCII in the URI, or a status line `SIP/2.0 SP 3DIGIT SP Reason-Phrase`
    /// (§7.2) with a code from 100 to 699. False for any other, which libosip2 reads its own way
    /// (two spaces, `sip/2.0`, a code of another length) or refuses.
    static func setStartLine(_ line: UnsafeRawBufferPointer, of message: UnsafeMutablePointer<osip_message_t>) -> Bool {
        let version = UnsafeRawBufferPointer(start: sipVersion.utf8Start, count: sipVersion.utf8CodeUnitCount)
        let space = UInt8(ascii: " ")
        /// Whether `line` holds the version at `offset`.
        func holdsVersion(at offset: Int) -> Bool {
            line.count - offset >= version.count && memcmp(line.baseAddress! + offset, version.baseAddress!, version.count) == 0
        }
        if holdsVersion(at: 0), line.count > version.count, line[version.count] == space {
            // libosip2 reads the code with sscanf's %d and the reason as the rest of the line.
            let code = version.count + 1
            guard line.count >= code + 4, line[code + 3] == space,
                (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(line[code]),
                let status = HeaderFieldScan.decimal(line.assumingMemoryBound(to: UInt8.self)[code..<(code + 3)])
            else { return false }
            // Each block belongs to the message as soon as it is made (freed with it).
            message.pointee.sip_version = copy(version)
            message.pointee.status_code = Int32(status)
            message.pointee.reason_phrase = copy(UnsafeRawBufferPointer(rebasing: line[(code + 4)...]))
            return message.pointee.sip_version != nil && message.pointee.reason_phrase != nil
        }
        guard let methodEnd = line.firstIndex(of: space), methodEnd > 0,
            line[..<methodEnd].allSatisfy(HeaderFieldScan.isTokenCharacter),
            let uriEnd = line[(methodEnd + 1)...].firstIndex(where: { !(0x21...0x7E).contains($0) }), uriEnd > methodEnd + 1,
            line[uriEnd] == space, line.count - (uriEnd + 1) == version.count, holdsVersion(at: uriEnd + 1),
            let uriText = copy(UnsafeRawBufferPointer(rebasing: line[(methodEnd + 1)..<uriEnd]))
        else { return false }
        defer { cosip_free(uriText) }
        guard osip_uri_init(&message.pointee.req_uri) == 0, osip_uri_parse(message.pointee.req_uri, uriText) == 0 else {
            return false
        }
        message.pointee.sip_method = copy(UnsafeRawBufferPointer(rebasing: line[..<methodEnd]))
        message.pointee.sip_version = copy(version)
        message.pointee.status_code = 0
        return message.pointee.sip_method != nil && message.pointee.sip_version != nil
    }

    /// Where the body is in `bytes`, as libosip2's parse takes it after the header section
    /// (`_osip_message_parse`, `msg_osip_body_parse`): `Content-Length` bytes after the empty
    /// line (RFC 3261 §20.14) when there is a `Content-Type`, none without one. Nil for what
    /// libosip2 reads another way or refuses: a `Content-Length` that is not 1 to 9 digits, none
    /// with bytes after the empty line (§18.3 allows it over UDP), a multipart body (RFC 5621;
    /// `MultipartGuard` must see it first), or fewer bytes than the length.
    static func body(of message: osip_message_t, _ bytes: UnsafeRawBufferPointer, from start: Int) -> Range<Int>? {
        let remaining = bytes.count - start
        guard let field = message.content_length else { return remaining == 0 ? start..<start : nil }
        guard let value = field.pointee.value else { return nil }
        let digits = UnsafeRawBufferPointer(start: value, count: strlen(value)).assumingMemoryBound(to: UInt8.self)
        guard digits.count <= 9, let length = HeaderFieldScan.decimal(digits[...]) else { return nil }
        guard length > 0, let type = message.content_type, let name = type.pointee.type, type.pointee.subtype != nil else {
            return start..<start
        }
        guard osip_strcasecmp(name, "multipart") != 0, remaining >= length else { return nil }
        return start..<(start + length)
    }

    /// `bytes` NUL-terminated in a block libosip2 owns (and frees).
    private static func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeMutablePointer<CChar>? {
        guard let block = cosip_malloc(bytes.count + 1) else { return nil }
        if let source = bytes.baseAddress { block.copyMemory(from: source, byteCount: bytes.count) }
        block.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
        return block.assumingMemoryBound(to: CChar.self)
    }

    private static let sipVersion: StaticString = "SIP/2.0"
}
