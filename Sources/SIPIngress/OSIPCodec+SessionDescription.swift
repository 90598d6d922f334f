import COSIP2

/// Session descriptions (RFC 4566) through libosip2's SDP parser, read into Swift values.
extension OSIPCodec {
    private static let terminatorLength = 16

    /// Parses a session description with libosip2's SDP parser.
    /// - Parameter body: the `application/sdp` body.
    /// - Throws: `SIPIngressError.malformedSDP` (488) when the parser rejects it.
    static func parseSessionDescription(_ body: [UInt8]) throws(SIPIngressError) -> SessionDescription {
        precondition(parserReady)
        return try OSIPArena.withArena { () throws(SIPIngressError) -> SessionDescription in try parseSDPInArena(body) }
    }

    private static func parseSDPInArena(_ body: [UInt8]) throws(SIPIngressError) -> SessionDescription {
        var pointer: UnsafeMutablePointer<sdp_message_t>?
        guard sdp_message_init(&pointer) == 0, let sdp = pointer else {
            throw .malformedSDP("cannot allocate")
        }
        defer { if !OSIPArena.holdsEverything() { sdp_message_free(sdp) } }
        // sdp_message_parse reads a NUL-terminated string — and, for a body that ends inside
        // an m= line (e.g. `m=video 5 RTP/\n`), steps past the terminating NUL and scans on
        // with strchr (found by FuzzSDP under AddressSanitizer: a heap over-read in libosip2
        // 5.3). Sixteen NULs keep every such scan inside this buffer.
        // (Copied with them into temporary memory: on the stack for a body of the usual size.)
        let status = withUnsafeTemporaryAllocation(of: CChar.self, capacity: body.count + Self.terminatorLength) { chars in
            let base = UnsafeMutableRawPointer(chars.baseAddress!)
            body.withUnsafeBytes { if let source = $0.baseAddress { base.copyMemory(from: source, byteCount: $0.count) } }
            (base + body.count).initializeMemory(as: UInt8.self, repeating: 0, count: Self.terminatorLength)
            return sdp_message_parse(sdp, chars.baseAddress)
        }
        guard status == 0 else { throw .malformedSDP("rejected by the parser (\(status))") }

        // The lists are walked node by node: libosip2's indexed getters (`sdp_message_m_*_get`,
        // `sdp_message_a_att_*_get`) walk each list from its head on every call.
        var media: [MediaDescription] = []
        media.reserveCapacity(Int(sdp.pointee.m_medias.nb_elt))
        var failure: SIPIngressError?
        var ended = false  // at an m= line without a media type, as the indexed getters end
        forEach(&sdp.pointee.m_medias, as: sdp_media_t.self) { m in
            guard !ended else { return }
            guard let type = string(m.pointee.m_media, among: .mediaTypes) else { return ended = true }
            guard let port = integer(m.pointee.m_port, as: Int.self), (0...65535).contains(port) else {
                failure = .malformedSDP("bad port in m= line \(media.count + 1)")
                return ended = true
            }
            var formats: [String] = []
            formats.reserveCapacity(Int(m.pointee.m_payloads.nb_elt))
            forEach(&m.pointee.m_payloads, as: CChar.self) { formats.append(format($0)) }
            let firstConnection = m.pointee.c_connections.node?.pointee.element?.assumingMemoryBound(to: sdp_connection_t.self)
            var description = MediaDescription(
                port: port, media: type, proto: string(m.pointee.m_proto, among: .mediaProtocols) ?? "",
                formats: formats, connection: firstConnection.flatMap(connection), rtpMaps: [:], formatParameters: [:],
                packetTime: nil, direction: .sendrecv, crypto: [])
            description.rtpMaps.reserveCapacity(formats.count)
            var attributesEnded = false
            forEach(&m.pointee.a_attributes, as: sdp_attribute_t.self) { attribute in
                guard !attributesEnded, let field = attribute.pointee.a_att_field else { return attributesEnded = true }
                apply(field: bytes(field), value: attribute.pointee.a_att_value.map(bytes), to: &description)
            }
            media.append(consume description)
        }
        if let failure { throw failure }
        return SessionDescription(connection: sdp.pointee.c_connection.flatMap(connection), media: media)
    }

    private static func connection(_ c: UnsafeMutablePointer<sdp_connection_t>) -> ConnectionAddress? {
        guard let address = string(c.pointee.c_addr) else { return nil }
        let type = string(c.pointee.c_addrtype, among: .addressTypes) ?? "IP4"
        return ConnectionAddress(addressType: type.asciiUppercased, address: address)
    }

    private static let directions: [MediaDirection] = [.sendrecv, .sendonly, .recvonly, .inactive]

    /// Applies one media-level attribute (RFC 4566 §6, RFC 3264 §5.1), read in place from
    /// libosip2's strings. The name's length picks the candidates (most attributes of an offer
    /// are compared with one name, not six).
    private static func apply(field: HeaderFieldScan.Bytes, value: HeaderFieldScan.Bytes?, to description: inout MediaDescription) {
        func named(_ name: StaticString) -> Bool {
            HeaderFieldScan.equalFolded(field, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        switch field.count {
        case 4 where named("fmtp"), 6 where named("rtpmap"):
            guard let value, case let (number, rest?) = HeaderFieldScan.split(value, at: UInt8(ascii: " ")),
                let payloadType = HeaderFieldScan.decimal(number), (0...127).contains(payloadType)
            else { return }
            if field.count == 6 {
                description.rtpMaps[payloadType] = RTPMap(rest)
            } else {
                description.formatParameters[payloadType] = String(decoding: rest, as: UTF8.self)
            }
        case 5 where named("ptime"):
            description.packetTime = value.flatMap(HeaderFieldScan.decimal)
        case 6 where named("crypto"):
            if let value, let crypto = CryptoAttribute(String(decoding: value, as: UTF8.self)) { description.crypto.append(crypto) }
        case 8:
            if let direction = directions.first(where: { named($0.name) }) { description.direction = direction }
        default:
            break
        }
    }
}
