/// Where the top via-parm of a request's Via lines ends and where its `rport` and `received`
/// parameters are (RFC 3261 §20.42 `via-parm = sent-protocol LWS sent-by *( SEMI via-params )`,
/// RFC 3581 §4), found in one pass for `ResponseVias` to edit.
///
/// Only a plain via-parm is read: no white space after `sent-by` (nor before the comma that may
/// end it) and no quoted string; anything else is nil, and the response's Vias are rendered
/// from the parsed values instead.
struct TopViaParameters {
    /// The via-parm's end: its comma, or the CR of its line.
    private(set) var end = 0
    /// The first `rport` parameter's name, and the end of its value.
    private(set) var rport: Range<Int>?
    private(set) var rportEnd = 0
    /// The first `received` parameter's name, and the end of its value.
    private(set) var received: Range<Int>?
    private(set) var receivedEnd = 0

    /// Reads the first via-parm after the first colon (the Via line's name ends there).
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var index = 0
        while index < count, base[index] != UInt8(ascii: ":") { index += 1 }
        index += 1
        // LWS, `sent-protocol` (no white space inside in a plain via-parm), LWS.
        while index < count, Self.isSpace(base[index]) { index += 1 }
        while index < count, !Self.isSpace(base[index]) {
            guard Self.continuesSentProtocol(base[index]) else { return nil }
            index += 1
        }
        while index < count, Self.isSpace(base[index]) { index += 1 }
        // `sent-by` and the parameters, up to a comma or the line's end.
        var parameter = -1  // where the current parameter's name begins
        var nameEnd = -1
        var end = -1
        scan: while index < count {
            switch base[index] {
            case UInt8(ascii: ","), UInt8(ascii: "\r"):
                end = index
                break scan
            case UInt8(ascii: ";"):
                if parameter >= 0 {
                    guard note(parameter, nameEnd >= 0 ? nameEnd : index, end: index, in: base) else { return nil }
                }
                (parameter, nameEnd) = (index + 1, -1)
            case UInt8(ascii: "="):
                if parameter >= 0, nameEnd < 0 { nameEnd = index }
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\""), UInt8(ascii: "\n"):
                return nil
            default:
                break
            }
            index += 1
        }
        guard end > 0 else { return nil }
        if parameter >= 0, !note(parameter, nameEnd >= 0 ? nameEnd : end, end: end, in: base) { return nil }
        self.end = end
    }

    /// Records the parameter named by `start..<nameEnd` when it is the first `rport` or
    /// `received` (names compared without case, RFC 3261 §7.3.1).
    /// - Returns: false for an empty name (`;;` or `;=x`) or an empty value (`;branch=`), which
    ///   make the via-parm not plain (libosip2 reads what follows them its own way).
    private mutating func note(_ start: Int, _ nameEnd: Int, end: Int, in base: UnsafePointer<UInt8>) -> Bool {
        guard nameEnd > start, nameEnd == end || nameEnd + 1 < end else { return false }
        let name = UnsafeBufferPointer(start: base + start, count: nameEnd - start)
        if name.count == 5, rport == nil, HeaderFieldScan.equalFolded(name, "rport".utf8) {
            (rport, rportEnd) = (start..<nameEnd, end)
        } else if name.count == 8, received == nil, HeaderFieldScan.equalFolded(name, "received".utf8) {
            (received, receivedEnd) = (start..<nameEnd, end)
        }
        return true
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// A byte that may stand in a plain `sent-protocol` (`SIP/2.0/UDP`: token characters and `/`).
    private static func continuesSentProtocol(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || HeaderFieldScan.isTokenCharacter(byte)
    }
}
