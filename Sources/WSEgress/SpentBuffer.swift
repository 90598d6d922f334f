public import NIOCore

/// A buffer already used, kept so the next one of its kind is built in its storage: a media
/// event, RTP packet or `playAudio` payload every 20 ms then costs no allocation.
///
/// The storage is reused only when nothing else holds it any more (NIO has written the bytes,
/// the playout queue has copied the audio): `ByteBuffer.clear(minimumCapacity:)` allocates anew
/// otherwise, so a reused buffer never changes bytes in flight. Buffers over `largest` are not
/// kept (a one-off large message should not stay pinned for the life of a call).
public struct SpentBuffer: Sendable {
    /// The largest capacity kept.
    public static let largest = 4096
    private var buffer: ByteBuffer?

    /// Nothing kept yet.
    public init() {}

    /// Whether a buffer is kept for the next `take`.
    public var holdsBuffer: Bool { buffer != nil }

    /// Keeps `buffer` for the next `take`, unless it is larger than `largest`.
    public mutating func keep(_ buffer: ByteBuffer) {
        if buffer.capacity <= Self.largest { self.buffer = buffer }
    }

    /// The kept buffer, emptied, with room for `minimumCapacity` bytes, or nil if none is kept.
    /// Moved out, not copied: a copy would share the storage and `clear` would allocate.
    public mutating func take(minimumCapacity: Int) -> ByteBuffer? {
        guard var buffer = buffer.take() else { return nil }
        buffer.clear(minimumCapacity: minimumCapacity)
        return buffer
    }
}
