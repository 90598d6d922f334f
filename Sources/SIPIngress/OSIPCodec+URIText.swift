import COSIP2

/// The wire text of the URIs a carrier INVITE is made of, without `osip_uri_to_str`.
extension OSIPCodec {
    /// The text of a plain SIP URI (RFC 3261 §19.1.1) — `scheme:[user@]host[:port]` then
    /// `;name[=value]` per parameter — written straight from osip's fields, in one string.
    ///
    /// `osip_uri_to_str` builds the same text through `sprintf` and its escaping functions,
    /// about 2 600 instructions per URI and five URIs per INVITE. This path only takes URIs
    /// whose every part is made of characters that no part of RFC 3261 §25.1 escapes (letters,
    /// digits and the `mark` characters; `+` in the user part), so there is nothing to escape
    /// and the text is the fields joined; anything else (a password, headers, an IPv6 or empty
    /// host, an empty part, `%` or reserved characters, a non-SIP URI) returns nil and goes to
    /// libosip2. Debug builds check every plain text against `osip_uri_to_str`'s (`convertURI`).
    static func plainURIText(_ uri: UnsafeMutablePointer<osip_uri_t>) -> String? {
        guard let length = plainURILength(uri) else { return nil }
        return String(unsafeUninitializedCapacity: length) { out in
            var writer = WireWriter(UnsafeMutableRawBufferPointer(out))
            writePlainURI(uri, into: &writer)
            return writer.offset
        }
    }

    /// The length of `uri`'s plain text (`plainURIText`), or nil when it is not plain.
    static func plainURILength(_ uri: UnsafeMutablePointer<osip_uri_t>) -> Int? {
        guard uri.pointee.string == nil, uri.pointee.password == nil, uri.pointee.url_headers.nb_elt == 0,
            let scheme = uri.pointee.scheme, let host = uri.pointee.host,
            let schemeLength = plainLength(scheme, .scheme), let hostLength = plainLength(host, .host)
        else { return nil }
        var length = schemeLength + 1 + hostLength
        if let user = uri.pointee.username {
            guard let userLength = plainLength(user, .user) else { return nil }
            length += userLength + 1
        }
        if let port = uri.pointee.port {
            guard let portLength = plainLength(port, .digits) else { return nil }
            length += 1 + portLength
        }
        var plain = true
        forEach(&uri.pointee.url_params, as: osip_uri_param_t.self) { param in
            guard plain, let name = param.pointee.gname, let nameLength = plainLength(name, .parameter) else {
                plain = false
                return
            }
            length += 1 + nameLength
            if let value = param.pointee.gvalue {
                guard let valueLength = plainLength(value, .parameter) else {
                    plain = false
                    return
                }
                length += 1 + valueLength
            }
        }
        return plain ? length : nil
    }

    /// Writes the text of a URI that `plainURILength` measured.
    static func writePlainURI(_ uri: UnsafeMutablePointer<osip_uri_t>, into writer: inout WireWriter) {
        writer.append(cString: uri.pointee.scheme!)
        writer.appendByte(UInt8(ascii: ":"))
        if let user = uri.pointee.username {
            writer.append(cString: user)
            writer.appendByte(UInt8(ascii: "@"))
        }
        writer.append(cString: uri.pointee.host!)
        if let port = uri.pointee.port {
            writer.appendByte(UInt8(ascii: ":"))
            writer.append(cString: port)
        }
        forEach(&uri.pointee.url_params, as: osip_uri_param_t.self) { param in
            writer.appendByte(UInt8(ascii: ";"))
            writer.append(cString: param.pointee.gname!)
            if let value = param.pointee.gvalue {
                writer.appendByte(UInt8(ascii: "="))
                writer.append(cString: value)
            }
        }
    }

    /// Which characters a part of a plain URI may hold, as a bit per ASCII code (two words):
    /// letters and digits in every part but `digits` (digits only); `.` and `-` in a host;
    /// RFC 3261 §25.1 `mark` (`- _ . ! ~ * ' ( )`) in a user part and a parameter, and `+` in a
    /// user part. (`URITextTests` checks the masks against these sets.)
    enum PlainPart: CaseIterable {
        case scheme, host, user, parameter, digits

        /// Codes 0-63 and 64-127.
        var mask: (low: UInt64, high: UInt64) {
            switch self {
            case .scheme: (0x03FF000000000000, 0x07FFFFFE07FFFFFE)
            case .host: (0x03FF600000000000, 0x07FFFFFE07FFFFFE)
            case .user: (0x03FF6F8200000000, 0x47FFFFFE87FFFFFE)
            case .parameter: (0x03FF678200000000, 0x47FFFFFE87FFFFFE)
            case .digits: (0x03FF000000000000, 0x0000000000000000)
            }
        }

        /// This part's bit in `plainCharacters`.
        var bit: UInt8 {
            switch self {
            case .scheme: 1
            case .host: 2
            case .user: 4
            case .parameter: 8
            case .digits: 16
            }
        }

        func allows(_ byte: UInt8) -> Bool {
            byte < 64 ? mask.low >> byte & 1 != 0 : byte < 128 && mask.high >> (byte - 64) & 1 != 0
        }
    }

    /// The length of a non-empty C string whose every byte `part` allows, or nil.
    private static func plainLength(_ text: UnsafeMutablePointer<CChar>, _ part: PlainPart) -> Int? {
        let bit = part.bit
        let table = plainCharacters.utf8Start
        var count = 0
        while true {
            let byte = UInt8(bitPattern: text[count])
            // No part allows NUL, so the terminator ends the loop too.
            guard byte < 128, table[Int(byte)] & bit != 0 else { return byte == 0 && count > 0 ? count : nil }
            count &+= 1
        }
    }

    /// `PlainPart`'s masks as one byte per ASCII code, a bit per part (`PlainPart.bit`): one
    /// load per character instead of picking a mask and shifting it (a plain URI's check was a
    /// sixtieth of an INVITE); bit 32 marks RFC 3261 §25.1 `token` characters
    /// (`HeaderFieldScan.isTokenCharacter`). `URITextTests` and `HeaderSectionTests` check it.
    static var plainCharacters: StaticString { """
        \u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\
        \u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\
        \u{00}\u{2C}\u{00}\u{00}\u{00}\u{20}\u{00}\u{2C}\u{0C}\u{0C}\u{2C}\u{24}\u{00}\u{2E}\u{2E}\u{00}\
        \u{3F}\u{3F}\u{3F}\u{3F}\u{3F}\u{3F}\u{3F}\u{3F}\u{3F}\u{3F}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\
        \u{00}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\
        \u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{00}\u{00}\u{00}\u{00}\u{2C}\
        \u{20}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\
        \u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{2F}\u{00}\u{00}\u{00}\u{2C}\u{00}
        """
    }
}
