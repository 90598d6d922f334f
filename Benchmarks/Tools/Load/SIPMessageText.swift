import NIOCore

/// A SIP message from the bridge, read once at the byte level: the start line, the header
/// fields a UAC on loopback needs (RFC 3261 §7.3, compact forms included) and the SDP's audio
/// port and address.
///
/// The generator runs on the same two cores as the bridge it measures, so its own CPU shows up
/// in the bridge's latencies: reading messages through `String`, Foundation's
/// `components(separatedBy:)` and `caseInsensitiveCompare` (once per header per look-up) was
/// 43 % of the generator's CPU at 300 call setups a second.
struct SIPMessageText: Sendable {
    /// What a `CSeq` names (RFC 3261 §20.16).
    enum CSeqMethod: Sendable { case invite, bye, other }

    private let bytes: [UInt8]
    /// Each header field's name and value (trimmed), as offsets into `bytes`.
    private var fields: [(name: Range<Int>, value: Range<Int>)] = []
    private var bodyStart: Int
    /// The status code of a response (RFC 3261 §7.2); nil for a request.
    private(set) var status: Int?
    /// The method of a request (RFC 3261 §7.1); nil for a response.
    private(set) var requestMethod: String?
    private(set) var callID: String?
    private(set) var cseqMethod: CSeqMethod = .other

    init(_ buffer: ByteBuffer) { self.init(bytes: Array(buffer.readableBytesView)) }

    init(_ text: String) { self.init(bytes: Array(text.utf8)) }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
        bodyStart = bytes.count
        var lineStart = 0
        var first = true
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\r"), bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            let next = Self.skipLineEnd(bytes, lineEnd)
            if lineEnd == lineStart {  // the empty line: the body follows (§7.5)
                bodyStart = next
                break
            }
            if first {
                readStartLine(lineStart..<lineEnd)
                first = false
            } else if bytes[lineStart] == UInt8(ascii: " ") || bytes[lineStart] == UInt8(ascii: "\t") {
                // A folded line continues the previous field's value (§7.3.1).
                if let last = fields.indices.last { fields[last].value = fields[last].value.lowerBound..<lineEnd }
            } else if let colon = bytes[lineStart..<lineEnd].firstIndex(of: UInt8(ascii: ":")) {
                fields.append((trimmed(lineStart..<colon), trimmed(colon + 1..<lineEnd)))
            }
            lineStart = next
        }
        if let value = value(of: "call-id", compact: "i") { callID = String(decoding: bytes[value], as: UTF8.self) }
        if let value = value(of: "cseq", compact: nil) {
            let method = bytes[value].split(separator: UInt8(ascii: " ")).last.map { Array($0) } ?? []
            cseqMethod = method == Array("INVITE".utf8) ? .invite : method == Array("BYE".utf8) ? .bye : .other
        }
    }

    private static func skipLineEnd(_ bytes: [UInt8], _ index: Int) -> Int {
        var index = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "\r") { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "\n") { index += 1 }
        return index
    }

    private mutating func readStartLine(_ line: Range<Int>) {
        let words = bytes[line].split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard words.count >= 2 else { return }
        if words[0].elementsEqual("SIP/2.0".utf8) {
            var code = 0
            for digit in words[1] {
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9"), code < 1000 else { return }
                code = code * 10 + Int(digit - UInt8(ascii: "0"))
            }
            status = code
        } else {
            requestMethod = String(decoding: words[0], as: UTF8.self)
        }
    }

    private func trimmed(_ range: Range<Int>) -> Range<Int> {
        var (start, end) = (range.lowerBound, range.upperBound)
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return start..<end
    }

    /// Whether `bytes[range]` is `name` (lower case) in any case.
    private func named(_ range: Range<Int>, _ name: String) -> Bool {
        guard range.count == name.utf8.count else { return false }
        return zip(bytes[range], name.utf8).allSatisfy { byte, lower in byte | 0x20 == lower || byte == lower }
    }

    /// The first value of a header field, by its lower-case name or compact form (§7.3.3).
    private func value(of name: String, compact: String?) -> Range<Int>? {
        fields.first { field in named(field.name, name) || compact.map { named(field.name, $0) } == true }?.value
    }

    /// The `tag` parameter of the To header field (RFC 3261 §19.3).
    var toTag: String? {
        guard let value = value(of: "to", compact: "t") else { return nil }
        let text = bytes[value]
        var index = text.startIndex
        while let semicolon = text[index...].firstIndex(of: UInt8(ascii: ";")) {
            let start = semicolon + 1
            let end = text[start...].firstIndex(of: UInt8(ascii: ";")) ?? text.endIndex
            if end - start > 4, named(start..<start + 4, "tag=") {
                return String(decoding: text[start + 4..<end], as: UTF8.self)
            }
            index = end
        }
        return nil
    }

    /// The body's lines (the SDP of an answer).
    private var bodyLines: [ArraySlice<UInt8>] {
        bytes[bodyStart...].split(omittingEmptySubsequences: true) { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
    }

    /// The port of the SDP's `m=audio` line (RFC 4566 §5.14).
    var mediaPort: Int? {
        let prefix = Array("m=audio ".utf8)
        guard let line = bodyLines.first(where: { $0.starts(with: prefix) }) else { return nil }
        let port = line.dropFirst(prefix.count).prefix { $0 != UInt8(ascii: " ") }
        return Int(String(decoding: port, as: UTF8.self))
    }

    /// The address of the SDP's `c=IN IP4` line (RFC 4566 §5.7).
    var mediaAddress: String? {
        let prefix = Array("c=IN IP4 ".utf8)
        guard let line = bodyLines.first(where: { $0.starts(with: prefix) }) else { return nil }
        return String(decoding: line.dropFirst(prefix.count), as: UTF8.self)
    }

    /// A response to this request (the bridge's BYE): every Via in order, From, To, Call-ID,
    /// CSeq copied (RFC 3261 §8.2.6.2).
    func response(_ status: Int) -> String {
        var lines = ["SIP/2.0 \(status) OK"]
        for (name, text) in [("via", "Via"), ("from", "From"), ("to", "To"), ("call-id", "Call-ID"), ("cseq", "CSeq")] {
            let compact = ["via": "v", "from": "f", "to": "t", "call-id": "i"][name]
            for field in fields where named(field.name, name) || compact.map({ named(field.name, $0) }) == true {
                lines.append("\(text): " + String(decoding: bytes[field.value], as: UTF8.self))
            }
        }
        return (lines + ["Content-Length: 0", "", ""]).joined(separator: "\r\n")
    }
}
