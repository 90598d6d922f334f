#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message's header section (RFC 3261 §7.3) split before libosip2 sees it: the fields
/// libosip2 interprets (Via, From, To, Call-ID, CSeq, Contact, the routes, the Content-*
/// fields, the authentication fields, Accept-*, the *-Info fields, every compact form) are handed
/// to libosip2 one by one, as its own header loop would hand them on; the others, which it would
/// only store as a name and a value, are read here in place (`UninterpretedFields`).
///
/// libosip2's `osip_message_parse` copies the message, scans it for folded lines, then for every
/// line finds its end and its colon, allocates and trims a copy of its name and of its value, and
/// only then sets the field; this walk has found all of that already (about 15 000 instructions
/// of a carrier INVITE's 38 000 in libosip2, measured with callgrind:
/// Benchmarks/results/2026-11-29-sip-seventh-pass.md). For fields it does not interpret it
/// also lower-cases, hashes and allocates, and splits list fields into one object per element:
/// for a carrier INVITE's seven such fields about 3 000 instructions each besides the
/// allocations, 7 800 for a nine-method `Allow` (Benchmarks/results/2026-11-29-sip-fifth-pass.md).
/// `Allow` is read here too: libosip2 keeps it only as a list of tokens, and `otherHeaders` holds
/// it as one field either way.
///
/// Only a plain header section is split: every line ends with CRLF, no field is folded onto a
/// second line (§7.3.1), no byte of it is NUL, and every field read here has a token (§25.1)
/// for a name. Any other message goes to libosip2 whole, as it arrived, so the RFC 4475 torture
/// messages meet libosip2's own handling. The fields are the same either way, except that a
/// list field libosip2 would split at its commas (`Supported: replaces, timer`, two fields
/// there) stays one field, as it arrived, which RFC 3261 §7.3.1 makes equivalent. Debug builds
/// parse every split message a second time, whole, and check the two agree (`OSIPCodec`).
enum HeaderSection {
    /// What `split` found besides the fields.
    struct Layout {
        /// Where the start line ends (before its CRLF).
        var startLineEnd = 0
        /// Where the body starts: after the empty line that ends the header section.
        var bodyStart = 0
        /// Where the `Via` lines are (CRLF included) when they are adjacent, in order: what a
        /// response copies (RFC 3261 §8.2.6.2).
        var viaLines: Range<Int>?
    }

    /// A field libosip2 interprets, as its header loop (`msg_headers_parse`) hands it to
    /// `osip_message_set_multiple_header`: its kind, the name as written (white space before the
    /// colon trimmed) and the value with white space trimmed at both ends, nil when nothing
    /// follows the colon, each NUL-terminated. False stops the split (libosip2 refused the field).
    typealias Interpreted = (
        _ kind: FieldKind, _ name: UnsafeMutablePointer<CChar>, _ value: UnsafeMutablePointer<CChar>?
    ) -> Bool

    /// Walks `message`'s header section: the fields libosip2 does not interpret are added to
    /// `fields` in their order, the others handed to `interpreted` in theirs.
    /// - Parameter scratch: at least `message.count` bytes, where the interpreted fields' names and
    ///   values are written with their NULs.
    /// - Returns: the layout, or nil when the header section is not plain or a field was refused:
    ///   the message is then to be parsed whole, and whatever `interpreted` built and `fields`
    ///   thrown away.
    static func split(
        _ message: UnsafeRawBufferPointer, scratch: UnsafeMutableRawBufferPointer, fields: inout UninterpretedFields,
        interpreted: Interpreted
    ) -> Layout? {
        guard let base = message.baseAddress, let target = scratch.baseAddress, scratch.count >= message.count else { return nil }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        let end = message.count
        // The start line, ended by CRLF (libosip2 would skip line ends before it).
        guard end > 0, bytes[0] != cr, bytes[0] != lf, let startLineEnd = find(lf, bytes, start: 0, end: end),
            startLineEnd > 0, bytes[startLineEnd - 1] == cr, find(cr, bytes, start: 0, end: startLineEnd - 1) == nil,
            startLineEnd + 1 == end || (bytes[startLineEnd + 1] != space && bytes[startLineEnd + 1] != tab)
        else { return nil }
        var layout = Layout(startLineEnd: startLineEnd - 1)
        var (viaStart, viaEnd, viasApart) = (0, 0, false)
        // Each interpreted field's name and value go to `scratch` after the previous one's: no
        // longer than its line, which has a colon and a CRLF besides.
        var written = 0
        var line = startLineEnd + 1
        while true {
            guard line < end, let lineEnd = find(lf, bytes, start: line, end: end), lineEnd > line,
                bytes[lineEnd - 1] == cr
            else { return nil }
            let contentEnd = lineEnd - 1
            if contentEnd == line { break }  // the empty line before the body
            let next = lineEnd + 1
            if next < end, bytes[next] == space || bytes[next] == tab { return nil }  // folded
            // A bare CR would end a line, or the header section, for libosip2.
            guard find(cr, bytes, start: line, end: contentEnd) == nil,
                let colon = find(UInt8(ascii: ":"), bytes, start: line, end: contentEnd)
            else { return nil }
            var nameEnd = colon
            while nameEnd > line, bytes[nameEnd - 1] == space || bytes[nameEnd - 1] == tab { nameEnd -= 1 }
            guard nameEnd > line else { return nil }
            let name = UnsafeRawBufferPointer(start: bytes + line, count: nameEnd - line)
            let kind = classify(name)
            let value = HeaderFieldScan.trimmed(UnsafeBufferPointer(start: bytes, count: end)[(colon + 1)..<contentEnd])
            if kind == .uninterpreted {
                guard name.allSatisfy(HeaderFieldScan.isTokenCharacter) else { return nil }
                fields.add(name: name, value: value.isEmpty ? nil : UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: value)))
            } else {
                if kind == .via {
                    if viaEnd == 0 {
                        (viaStart, viaEnd) = (line, next)
                    } else if viaEnd == line {
                        viaEnd = next
                    } else {
                        viasApart = true
                    }
                }
                /// `count` bytes from `start`, NUL-terminated in `scratch` after what is there.
                func terminated(_ start: Int, _ count: Int) -> UnsafeMutablePointer<CChar> {
                    let copy = target + written
                    copy.copyMemory(from: bytes + start, byteCount: count)
                    copy.storeBytes(of: 0, toByteOffset: count, as: UInt8.self)
                    written += count + 1
                    return copy.assumingMemoryBound(to: CChar.self)
                }
                let nameCopy = terminated(line, name.count)
                let valueCopy = contentEnd > colon + 1 ? terminated(value.startIndex, value.count) : nil
                guard interpreted(kind, nameCopy, valueCopy) else { return nil }
            }
            line = next
        }
        // libosip2 reads the header section as C strings: a NUL in it must meet libosip2 whole.
        guard memchr(base, 0, line) == nil else { return nil }
        layout.bodyStart = line + 2
        if viaEnd > 0, !viasApart { layout.viaLines = viaStart..<viaEnd }
        return layout
    }

    /// What `split` does with a field: read it, or hand it to libosip2 — by name, or, for the
    /// fields every message has, naming the field (`OSIPCodec.parseSplit` then calls libosip2's
    /// function for it, as libosip2's table of them would).
    enum FieldKind {
        /// Read here.
        case uninterpreted
        /// Handed to libosip2 by name.
        case interpreted
        /// `Via` or `v` (their lines are also noted).
        case via
        /// `From` or `f`.
        case from
        /// `To` or `t`.
        case to
        /// `Call-ID` or `i`.
        case callID
        case cseq
        /// `Contact` or `m`.
        case contact
        case recordRoute
        case route
        /// `Content-Type` or `c`.
        case contentType
        /// `Content-Length` or `l`.
        case contentLength
    }

    /// Whether libosip2 parses a field of this name into one of its typed structures (its
    /// `parser_init` table) — or, for a one-letter name, may: compact forms stay with libosip2.
    static func interpretedByOSIP(_ name: UnsafeRawBufferPointer) -> Bool {
        classify(name) != .uninterpreted
    }

    /// The kind of a field by its name. A false "interpreted" only sends a line to libosip2 as
    /// it arrived, as if nothing were split, so bytes are compared with their case bit set
    /// whatever they are (which matches a letter only with itself in either case, and `-` only
    /// with itself or CR, which the caller has ruled out).
    static func classify(_ name: UnsafeRawBufferPointer) -> FieldKind {
        func named(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == name.count else { return false }
            let expected = literal.utf8Start
            var index = 1
            while index < name.count {
                guard name[index] | 0x20 == expected[index] else { return false }
                index += 1
            }
            return true
        }
        func kind(_ interpreted: Bool) -> FieldKind { interpreted ? .interpreted : .uninterpreted }
        guard name.count > 1 else {
            switch name.first.map({ $0 | 0x20 }) {
            case UInt8(ascii: "v"): return .via
            case UInt8(ascii: "f"): return .from
            case UInt8(ascii: "t"): return .to
            case UInt8(ascii: "i"): return .callID
            case UInt8(ascii: "m"): return .contact
            case UInt8(ascii: "c"): return .contentType
            case UInt8(ascii: "l"): return .contentLength
            default: return .interpreted
            }
        }
        switch name[0] | 0x20 {
        case UInt8(ascii: "a"):
            return kind(
                named("accept") || named("accept-encoding") || named("accept-language") || named("alert-info")
                    || named("authorization") || named("authentication-info"))
        case UInt8(ascii: "c"):
            if named("cseq") { return .cseq }
            if named("call-id") { return .callID }
            if named("contact") { return .contact }
            if named("content-type") { return .contentType }
            if named("content-length") { return .contentLength }
            return kind(named("call-info") || named("content-encoding"))
        case UInt8(ascii: "e"): return kind(named("error-info"))
        case UInt8(ascii: "f"): return named("from") ? .from : .uninterpreted
        case UInt8(ascii: "m"): return kind(named("mime-version"))
        case UInt8(ascii: "p"):
            return kind(named("proxy-authenticate") || named("proxy-authorization") || named("proxy-authentication-info"))
        case UInt8(ascii: "r"): return named("route") ? .route : named("record-route") ? .recordRoute : .uninterpreted
        case UInt8(ascii: "t"): return named("to") ? .to : .uninterpreted
        case UInt8(ascii: "v"): return named("via") ? .via : .uninterpreted
        case UInt8(ascii: "w"): return kind(named("www-authenticate"))
        default: return .uninterpreted
        }
    }

    /// The index of the first `byte` in `bytes[start..<end]`.
    private static func find(_ byte: UInt8, _ bytes: UnsafePointer<UInt8>, start: Int, end: Int) -> Int? {
        guard start < end, let found = memchr(bytes + start, Int32(byte), end - start) else { return nil }
        return UnsafeRawPointer(found) - UnsafeRawPointer(bytes)
    }

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
}
