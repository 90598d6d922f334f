#if canImport(Glibc)
import Glibc
#endif

/// A check made before libosip2 sees a message: libosip2 5.3 leaks the first `Content-Type` of
/// a multipart body part (RFC 2046 §5.1) that carries two (43 bytes per message; found by
/// FuzzSIP under LeakSanitizer). A part has one Content-Type (RFC 2045 §5), so such messages are
/// refused as malformed (400) instead of being parsed.
enum MultipartGuard {
    /// Whether `bytes` is a message with a multipart body in which some part's headers name
    /// `Content-Type` more than once. A part with two needs two in the body, so a message whose
    /// body has fewer (an SDP body has none) costs a walk to the body and one scan of it; only
    /// then are the headers searched for "multipart".
    static func repeatsPartContentType(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let bodyStart = headerEnd(bytes), let first = end(of: "content-type", in: bytes[bodyStart...]),
            end(of: "content-type", in: bytes[first...]) != nil, contains(bytes[..<bodyStart], "multipart")
        else { return false }
        var inPartHeaders = false
        var contentTypes = 0
        var lineStart = bodyStart
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var line = bytes[lineStart..<lineEnd]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) {
                // A boundary delimiter line (RFC 2046 §5.1.1): the part's headers follow.
                inPartHeaders = true
                contentTypes = 0
            } else if inPartHeaders {
                if line.isEmpty {
                    inPartHeaders = false
                } else if startsWithField(line, "content-type") {
                    contentTypes += 1
                    if contentTypes > 1 { return true }
                }
            }
            lineStart = lineEnd + 1
        }
        return false
    }

    /// The index just after the blank line that ends the header block (CRLF CRLF or LF LF),
    /// found by jumping from line end to line end with `memchr`.
    private static func headerEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var index = 0
        while index + 1 < bytes.count, let found = memchr(base + index, Int32(UInt8(ascii: "\n")), bytes.count - index) {
            index = base.distance(to: found)
            if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { return index + 2 }
            if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\r"), bytes[index + 2] == UInt8(ascii: "\n") {
                return index + 3
            }
            index += 1
        }
        return nil
    }

    /// ASCII case-insensitive search for a lower-case word.
    private static func contains(_ bytes: Slice<UnsafeRawBufferPointer>, _ word: StaticString) -> Bool {
        end(of: word, in: bytes) != nil
    }

    /// The index just after the first occurrence of a lower-case word, letters compared without
    /// case, or nil. Eight positions at a time are ruled out when none of their bytes is the
    /// word's first letter in either case (the "has a zero byte" test on the bytes XORed with
    /// that letter, which never misses one).
    private static func end(of word: StaticString, in bytes: Slice<UnsafeRawBufferPointer>) -> Int? {
        let pattern = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count >= pattern.count, let base = bytes.base.baseAddress else { return nil }
        let first = pattern[0]
        let firstInEveryByte = UInt64(first) &* 0x0101_0101_0101_0101
        var start = bytes.startIndex
        let last = bytes.endIndex - pattern.count
        while start <= last {
            if start + 8 <= bytes.endIndex {
                let folded = base.loadUnaligned(fromByteOffset: start, as: UInt64.self) | 0x2020_2020_2020_2020
                let difference = folded ^ firstInEveryByte
                if (difference &- 0x0101_0101_0101_0101) & ~difference & 0x8080_8080_8080_8080 == 0 {
                    start += 8
                    continue
                }
            }
            if base.load(fromByteOffset: start, as: UInt8.self) | 0x20 == first {
                var offset = 1
                while offset < pattern.count, base.load(fromByteOffset: start + offset, as: UInt8.self) | 0x20 == pattern[offset] {
                    offset += 1
                }
                if offset == pattern.count { return start + offset }
            }
            start += 1
        }
        return nil
    }

    /// Whether `line` is the header field `name` (case-insensitive, optional spaces before `:`).
    private static func startsWithField(_ line: Slice<UnsafeRawBufferPointer>, _ name: StaticString) -> Bool {
        let pattern = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        guard line.count > pattern.count else { return false }
        for offset in 0..<pattern.count where line[line.startIndex + offset] | 0x20 != pattern[offset] { return false }
        var index = line.startIndex + pattern.count
        while index < line.endIndex, line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t") { index += 1 }
        return index < line.endIndex && line[index] == UInt8(ascii: ":")
    }
}
