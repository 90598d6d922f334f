#if DEBUG
/// Debug builds parse every message `HeaderSection` split a second time, whole, and check that
/// both give the same message, so every test that parses is also a differential test of the
/// split. The fields outside `otherHeaders` must be identical; `otherHeaders` may differ only in
/// what RFC 3261 §7.3.1 makes equivalent: libosip2 splits some list fields at their commas and
/// lists `Allow` after the other fields, the split keeps each field as it arrived.
extension OSIPCodec {
    static func checkSplit(_ split: SIPMessage, _ bytes: UnsafeRawBufferPointer) {
        guard let whole = try? parseInArena(bytes, splitting: false) else {
            return assertionFailure("libosip2 rejects the whole message it accepted split")
        }
        var (a, b) = (split, whole)
        assert(elements(a.otherHeaders) == elements(b.otherHeaders), "split fields differ: \(a.otherHeaders) \(b.otherHeaders)")
        (a.otherHeaders, b.otherHeaders) = ([], [])
        assert(a.wireText == b.wireText, "split message differs:\n\(a.wireText)\n\(b.wireText)")
    }

    /// Each field name (lower case) with the comma-separated elements of its values, in order;
    /// names without a non-empty element are left out.
    private static func elements(_ headers: [SIPHeader]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for header in headers {
            let parts = header.value.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
            if !parts.isEmpty { result[header.name.lowercased(), default: []] += parts }
        }
        return result
    }
}
#endif
