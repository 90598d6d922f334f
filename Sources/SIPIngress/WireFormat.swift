#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Where a message's wire form (RFC 3261 §7) goes. A message is rendered twice through the
/// same code: once into `WireLength` to size it, then into `WireWriter`, which copies every
/// piece into the buffer's memory — one capacity check per message instead of one per piece.
protocol WireSink {
    mutating func append(_ text: String)
    mutating func append(_ text: StaticString)
    mutating func append(_ bytes: [UInt8])
    /// A decimal number (status codes, ports, CSeq numbers, lengths).
    mutating func appendDecimal(_ value: Int)
}

/// Counts the bytes a rendering takes.
struct WireLength: WireSink {
    private(set) var count = 0

    mutating func append(_ text: String) { count += text.utf8.count }
    mutating func append(_ text: StaticString) { count += text.utf8CodeUnitCount }
    mutating func append(_ bytes: [UInt8]) { count += bytes.count }
    mutating func appendDecimal(_ value: Int) { count += WireWriter.digits(value) }
}

/// Copies a rendering into memory that `WireLength` sized.
struct WireWriter: WireSink {
    private let memory: UnsafeMutableRawBufferPointer
    private(set) var offset = 0

    init(_ memory: UnsafeMutableRawBufferPointer) {
        self.memory = memory
    }

    // Inlined into the renderer: called out of line, every string appended was retained and
    // released around the copy (a third of rendering a response). A small string (15 bytes or
    // fewer, kept inside the value: hosts, tags, ports) has no storage to offer; `withUTF8`
    // reads it from a copy on the stack (an array of its bytes was a heap block).
    @inline(__always)
    mutating func append(_ text: String) {
        let copied = text.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            copy(UnsafeRawBufferPointer(utf8))
            return true
        }
        if copied == nil {
            var small = text
            small.withUTF8 { copy(UnsafeRawBufferPointer($0)) }
        }
    }

    mutating func append(_ text: StaticString) {
        copy(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { copy($0) }
    }

    mutating func appendDecimal(_ value: Int) {
        let count = Self.digits(value)
        precondition(offset + count <= memory.count, "rendering larger than its length")
        // Written last digit first through a plain pointer (a `stride` over the buffer's
        // subscript cost about twice as much; three numbers per message).
        let start = memory.baseAddress! + offset
        var position = count
        var remaining = value.magnitude
        repeat {
            position -= 1
            start.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10), toByteOffset: position, as: UInt8.self)
            remaining /= 10
        } while remaining > 0
        if value < 0 { start.storeBytes(of: UInt8(ascii: "-"), as: UInt8.self) }
        offset += count
    }

    // Pieces of libosip2's results (`OSIPCodec`'s name-addr and URI texts, written straight
    // into a new string's storage).

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        copy(bytes)
    }

    /// A C string, without its NUL.
    @inline(__always)
    mutating func append(cString text: UnsafePointer<CChar>) {
        copy(UnsafeRawBufferPointer(start: text, count: strlen(text)))
    }

    @inline(__always)
    mutating func appendByte(_ byte: UInt8) {
        precondition(offset < memory.count, "rendering larger than its length")
        memory[offset] = byte
        offset += 1
    }

    @inline(__always)
    private mutating func copy(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(offset + bytes.count <= memory.count, "rendering larger than its length")
        memcpy(memory.baseAddress! + offset, source, bytes.count)
        offset += bytes.count
    }

    /// The characters of a decimal number: its digits, and a sign if negative.
    static func digits(_ value: Int) -> Int {
        var count = value < 0 ? 2 : 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }
}

/// A value with a wire form, rendered through a `WireSink`.
protocol WireRenderable {
    func render<Sink: WireSink>(into sink: inout Sink)
}

extension ByteBuffer {
    /// Appends `value`'s wire form, sized first and then copied in one pass.
    mutating func writeWire(_ value: some WireRenderable) {
        var length = WireLength()
        value.render(into: &length)
        let written = writeWithUnsafeMutableBytes(minimumWritableBytes: length.count) { memory in
            var writer = WireWriter(memory)
            value.render(into: &writer)
            return writer.offset
        }
        precondition(written == length.count, "rendering changed between sizing and writing")
    }
}

extension WireRenderable {
    /// The wire form as bytes of its own (kept and copied into several messages), sized first
    /// and then copied in one pass, as `writeWire` does into a buffer.
    var wireBytes: [UInt8] {
        var length = WireLength()
        render(into: &length)
        return .written(capacity: length.count) { memory in
            var writer = WireWriter(memory)
            render(into: &writer)
            precondition(writer.offset == length.count, "rendering changed between sizing and writing")
            return writer.offset
        }
    }
}

extension [UInt8] {
    /// The bytes `body` writes into `capacity` bytes of temporary memory (returning how many),
    /// copied once into an array of their size. `Array(unsafeUninitializedCapacity:)` would save
    /// the copy but allocates through the standard library's unspecialized generic path, which
    /// looks the storage type up at run time: about 600 instructions, where a copy of a few
    /// hundred bytes into an array allocated by specialized code costs about 200.
    static func written(capacity: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) -> [UInt8] {
        withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { memory in
            let count = body(memory)
            precondition((0...capacity).contains(count), "wrote outside the temporary memory")
            return [UInt8](UnsafeRawBufferPointer(rebasing: memory[..<count]))
        }
    }
}
