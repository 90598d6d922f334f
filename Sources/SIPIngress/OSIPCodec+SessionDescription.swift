import COSIP2

/// Session descriptions (RFC 4566) through libosip2's SDP parser, read into Swift values.
extension OSIPCodec {
    private static let sdpTerminator = [UInt8](repeating: 0, count: 16)

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
        let status = (body + Self.sdpTerminator).withUnsafeBufferPointer { chars in
            chars.withMemoryRebound(to: CChar.self) { sdp_message_parse(sdp, $0.baseAddress) }
        }
        guard status == 0 else { throw .malformedSDP("rejected by the parser (\(status))") }

        var media: [MediaDescription] = []
        var index: Int32 = 0
        while let type = string(sdp_message_m_media_get(sdp, index), among: .mediaTypes) {
            guard let port = integer(sdp_message_m_port_get(sdp, index), as: Int.self),
                (0...65535).contains(port)
            else { throw .malformedSDP("bad port in m= line \(index + 1)") }
            var description = MediaDescription(
                media: type, port: port, proto: string(sdp_message_m_proto_get(sdp, index), among: .mediaProtocols) ?? "",
                formats: strings { sdp_message_m_payload_get(sdp, index, $0) },
                connection: connection(sdp, media: index))
            description.rtpMaps.reserveCapacity(description.formats.count)
            var attribute: Int32 = 0
            while let field = sdp_message_a_att_field_get(sdp, index, attribute) {
                apply(field: bytes(field), value: sdp_message_a_att_value_get(sdp, index, attribute).map(bytes), to: &description)
                attribute += 1
            }
            media.append(description)
            index += 1
        }
        return SessionDescription(connection: connection(sdp, media: -1), media: media)
    }

    private static func connection(_ sdp: UnsafeMutablePointer<sdp_message_t>, media: Int32) -> ConnectionAddress? {
        guard let address = string(sdp_message_c_addr_get(sdp, media, 0)) else { return nil }
        let type = string(sdp_message_c_addrtype_get(sdp, media, 0), among: .addressTypes) ?? "IP4"
        return ConnectionAddress(addressType: type.asciiUppercased, address: address)
    }

    private static func strings(_ get: (Int32) -> UnsafeMutablePointer<CChar>?) -> [String] {
        var result: [String] = []
        var index: Int32 = 0
        while let value = string(get(index)) {
            result.append(value)
            index += 1
        }
        return result
    }

    private static let directions: [MediaDirection] = [.sendrecv, .sendonly, .recvonly, .inactive]

    /// Applies one media-level attribute (RFC 4566 §6, RFC 3264 §5.1), read in place from
    /// libosip2's strings.
    private static func apply(field: HeaderFieldScan.Bytes, value: HeaderFieldScan.Bytes?, to description: inout MediaDescription) {
        func named(_ name: StaticString) -> Bool {
            field.count == name.utf8CodeUnitCount
                && HeaderFieldScan.equalFolded(field, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        if named("rtpmap") || named("fmtp") {
            guard let value, case let (number, rest?) = HeaderFieldScan.split(value, at: UInt8(ascii: " ")),
                let payloadType = HeaderFieldScan.decimal(number), (0...127).contains(payloadType)
            else { return }
            if named("rtpmap") {
                description.rtpMaps[payloadType] = RTPMap(rest)
            } else {
                description.formatParameters[payloadType] = String(decoding: rest, as: UTF8.self)
            }
        } else if named("ptime") {
            description.packetTime = value.flatMap(HeaderFieldScan.decimal)
        } else if let direction = directions.first(where: { named($0.name) }) {
            description.direction = direction
        } else if named("crypto") {
            if let value, let crypto = CryptoAttribute(String(decoding: value, as: UTF8.self)) { description.crypto.append(crypto) }
        }
    }
}
