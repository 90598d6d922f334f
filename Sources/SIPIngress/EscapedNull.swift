#if canImport(Glibc)
import Glibc
#endif

/// `%00` in a message's header section (RFC 4475 §3.1.1.4 `escnull`: "take special care when
/// unescaping the AOR … so as to not prematurely shorten the username"). libosip2 unescapes
/// a URI's user part (RFC 3261 §19.1.2) into a C string, so a NUL ends it early — `null-%00-null`
/// became `null-`, and the URI it renders back, which the bridge echoes in `From` and `To`
/// (§8.2.6.2), lost the rest.
///
/// The message goes to libosip2 with every `%00` of its header section replaced by the escape
/// of a control octet that appears nowhere in that section, raw or escaped (the replacement has
/// the same length, so nothing else moves); every string converted from the result then gets
/// the NUL back: the raw octet (an unescaped value) and its escape (a value libosip2 left or
/// rendered escaped) both map to what they stood for. Messages without `%00` are not touched.
struct EscapedNull: Sendable {
    /// The stand-in octet.
    let substitute: UInt8

    /// Control octets that are never SIP syntax (not HTAB, LF or CR).
    private static let candidates: [UInt8] = Array(0x01...0x08) + [0x0B, 0x0C] + Array(0x0E...0x1F)

    /// The guard for `bytes`, or `nil` when its header section has no `%00` (or, in a message
    /// using every control octet, when no stand-in is free: it is then parsed as it is).
    init?(_ bytes: UnsafeRawBufferPointer) {
        // The common case, no `%00` anywhere, costs a libc search for each `%`.
        guard Self.containsEscapedNull(bytes) else { return nil }
        let header = Self.headerSection(bytes)
        guard Self.firstEscapedNull(bytes, in: header) != nil else { return nil }
        var used = [Bool](repeating: false, count: 0x20)
        for index in header {
            let byte = bytes[index]
            if byte < 0x20 { used[Int(byte)] = true }
            if byte == UInt8(ascii: "%"), index + 2 < header.upperBound, bytes[index + 1] == UInt8(ascii: "0") || bytes[index + 1] == UInt8(ascii: "1"),
                let low = Self.hexValue(bytes[index + 2])
            {
                used[Int(bytes[index + 1] - UInt8(ascii: "0")) * 16 + Int(low)] = true
            }
        }
        guard let free = Self.candidates.first(where: { !used[Int($0)] }) else { return nil }
        substitute = free
    }

    /// `bytes` with every `%00` of the header section written as the stand-in's escape.
    func substituted(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var copy = Array(bytes)
        let header = Self.headerSection(bytes)
        var index = header.lowerBound
        while let found = Self.firstEscapedNull(bytes, in: index..<header.upperBound) {
            copy[found + 1] = Self.hexDigit(substitute >> 4)
            copy[found + 2] = Self.hexDigit(substitute & 0x0F)
            index = found + 3
        }
        return copy
    }

    /// `text` with the stand-in put back: its octet as NUL, its escape (either case) as `%00`.
    func restore(_ text: String) -> String {
        guard text.utf8.contains(substitute) || text.utf8.contains(UInt8(ascii: "%")) else { return text }
        let high = Self.hexDigit(substitute >> 4)
        let low = Self.hexDigit(substitute & 0x0F)
        let utf8 = Array(text.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == substitute {
                result.append(0)
                index += 1
            } else if byte == UInt8(ascii: "%"), index + 2 < utf8.count, utf8[index + 1] == high,
                utf8[index + 2] == low || utf8[index + 2] == Self.lowercased(low)
            {
                result += [UInt8(ascii: "%"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                index += 3
            } else {
                result.append(byte)
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `message` with the stand-in put back in every value converted from libosip2.
    func restore(_ message: SIPMessage) -> SIPMessage {
        var m = message
        if case .request(let method, let uri) = m.startLine { m.startLine = .request(method: method, uri: restore(uri)) }
        m.vias = m.vias.map { via in
            Via(transport: via.transport, host: restore(via.host), port: via.port,
                parameters: via.parameters.map { (restore($0.name), $0.value.map(restore)) })
        }
        m.from = restore(m.from)
        m.to = restore(m.to)
        m.callID = restore(m.callID)
        m.contacts = m.contacts.map(restore)
        m.recordRoutes = m.recordRoutes.map(restore)
        m.routes = m.routes.map(restore)
        m.contentType = m.contentType.map(restore)
        m.otherHeaders = m.otherHeaders.map { SIPHeader(restore($0.name), restore($0.value)) }
        return m
    }

    private func restore(_ uri: SIPURI) -> SIPURI {
        SIPURI(text: restore(uri.text), scheme: uri.scheme, user: uri.user.map(restore), host: restore(uri.host), port: uri.port)
    }

    private func restore(_ address: NameAddress) -> NameAddress {
        NameAddress(text: restore(address.text), uri: restore(address.uri), tag: address.tag.map(restore))
    }

    // MARK: - Octets

    /// From the start to the blank line that ends the header section (RFC 3261 §7), or all of it.
    private static func headerSection(_ bytes: UnsafeRawBufferPointer) -> Range<Int> {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A, bytes[index + 1] == 0x0A || (bytes[index + 1] == 0x0D && index + 2 < bytes.count && bytes[index + 2] == 0x0A) {
                return 0..<index + 1
            }
            index += 1
        }
        return 0..<bytes.count
    }

    private static func containsEscapedNull(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var offset = 0
        while offset + 2 < bytes.count, let found = memchr(base + offset, Int32(UInt8(ascii: "%")), bytes.count - offset - 2) {
            let index = base.distance(to: UnsafeRawPointer(found))
            if bytes[index + 1] == UInt8(ascii: "0"), bytes[index + 2] == UInt8(ascii: "0") { return true }
            offset = index + 1
        }
        return false
    }

    private static func firstEscapedNull(_ bytes: UnsafeRawBufferPointer, in range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index + 2 < range.upperBound {
            if bytes[index] == UInt8(ascii: "%"), bytes[index + 1] == UInt8(ascii: "0"), bytes[index + 2] == UInt8(ascii: "0") {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Upper-case hex digit of a nibble.
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    private static func lowercased(_ digit: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(digit) ? digit + 0x20 : digit
    }
}
