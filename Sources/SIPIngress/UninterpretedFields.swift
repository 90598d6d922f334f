/// The header fields libosip2 does not interpret (RFC 3261 §7.3: extension headers such as
/// `Supported`, `Session-Expires`, `P-Asserted-Identity`, `User-Agent`), gathered as
/// `SIPMessage.otherHeaders` holds them, with `Max-Forwards` (§20.22) read as a number.
///
/// Fields come from two places with one result: `HeaderSection` reads them from the message in
/// place before libosip2 parses it, and `OSIPCodec` reads the ones left in libosip2's generic
/// list (all of them when the message was not split). Names are kept as libosip2 stores them,
/// in lower case (a literal when the name is a common one), so both ways give the same text.
struct UninterpretedFields {
    /// The fields, in the order they were added.
    var headers: [SIPHeader] = []
    /// The `Max-Forwards` value, if the message had one.
    var maxForwards: Int?
    /// Whether `Max-Forwards` was repeated or not a number in 0...255 (the message gets 400).
    var badMaxForwards = false

    /// Adds one field.
    /// - Parameters:
    ///   - name: the field name: a token (§25.1), in any case.
    ///   - value: the value without surrounding white space, or nil for an empty one.
    mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) {
        if name.count == Self.maxForwardsName.utf8CodeUnitCount, Self.isFolded(name, Self.maxForwardsName) {
            // RFC 3261 §20.22: a number of hops; the text itself is not kept.
            guard maxForwards == nil, let value, let hops = OSIPCodec.integer(value, as: Int.self), (0...255).contains(hops)
            else {
                badMaxForwards = true
                return
            }
            maxForwards = hops
            return
        }
        let text = value.map { String(decoding: $0, as: UTF8.self) } ?? ""
        if headers.capacity == 0 { headers.reserveCapacity(8) }
        headers.append(SIPHeader(Self.fieldName(name), text))
    }

    /// The name as `otherHeaders` holds it: a literal for a common one, else in lower case as
    /// libosip2 stores it; libosip2 expands only the compact forms it types, and `k` and `s`
    /// are RFC 3261 §7.3.3's too. `Allow` keeps the spelling libosip2's typed list is rendered
    /// back with (`HeaderSection` reads it in place; libosip2 splits it into one object per method).
    private static func fieldName(_ name: UnsafeRawBufferPointer) -> String {
        if name.count == 1 {
            switch name[0] | 0x20 {
            case UInt8(ascii: "k"): return "Supported"
            case UInt8(ascii: "s"): return "Subject"
            default: break
            }
        }
        if name.count == 5, isFolded(name, "allow") { return "Allow" }
        if let literal = OSIPCodec.literal(folding: name, among: .headerNames) { return literal }
        return String(unsafeUninitializedCapacity: name.count) { lower in
            for index in 0..<name.count {
                let byte = name[index]
                lower[index] = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            }
            return name.count
        }
    }

    private static let maxForwardsName: StaticString = "max-forwards"

    /// Whether `bytes` spell `literal` with letters in any case.
    static func isFolded(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        HeaderFieldScan.equalFolded(bytes, UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
