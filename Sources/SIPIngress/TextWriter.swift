#if canImport(Glibc)
import Glibc
#endif

/// Writes a string's bytes into its uninitialised storage (`String(unsafeUninitializedCapacity:)`)
/// piece by piece. A value passed `inout` rather than nested functions that capture the offset:
/// a variable captured by a nested function used inside a closure is boxed, and every access to
/// it checked for exclusivity at run time.
struct TextWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0

    init(_ storage: UnsafeMutableBufferPointer<UInt8>) {
        base = storage.baseAddress!
    }

    mutating func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// A C string (without its NUL).
    mutating func put(_ text: UnsafeMutablePointer<CChar>) {
        put(UnsafeRawPointer(text), strlen(text))
    }

    mutating func put(_ source: UnsafeRawPointer?, _ length: Int) {
        guard let source, length > 0 else { return }
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: length)
        count += length
    }
}
