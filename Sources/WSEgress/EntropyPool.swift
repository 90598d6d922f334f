#if canImport(Glibc)
import Glibc
#endif
public import Foundation
import NIOPosix
import NIOWebSocket

/// Random bytes from the kernel's generator (`/dev/urandom`), read 4 KiB at a time, one pool per
/// thread. Two consumers call for randomness often enough that a system call each time shows:
/// - WebSocket masking keys (RFC 6455 §5.3: a fresh key per client frame, "derived from a strong
///   source of entropy"): `WebSocketMaskingKey.random()` costs one `getrandom` per frame (glibc
///   2.36's `arc4random` too) — a sixth of the bridge's system calls under load, with a `media`
///   event every 20 ms per call. From the pool: one read per 1024 frames.
/// - The call and stream ids, version-4 UUIDs (RFC 9562 §5.4): Foundation's `UUID()` on Linux
///   opens, reads and closes `/dev/urandom` for each, six system calls per call setup.
/// One pool per event-loop thread serves every connection and call on that loop; every byte is
/// handed out once.
///
/// `@unchecked Sendable`: `current` hands each thread its own pool, and a pool is only ever
/// touched by the thread that owns it.
///
/// It is also a `RandomNumberGenerator`, for the SIP layer's tags and branches and the RTP
/// sender's initial SSRC, sequence number and timestamp (RFC 3550 §5.1); a pool made for the
/// SIP loop (`EntropyPool()`) must then stay on that loop.
public final class EntropyPool: RandomNumberGenerator, @unchecked Sendable {
    private var bytes = [UInt8](repeating: 0, count: 4096)
    private var position = 4096

    private static let perThread = ThreadSpecificVariable<EntropyPool>()

    /// The calling thread's pool (the event loop's, for a connection's frames and its calls).
    public static var current: EntropyPool {
        if let pool = perThread.currentValue { return pool }
        let pool = EntropyPool()
        perThread.currentValue = pool
        return pool
    }

    /// A pool of its own, for a caller that keeps it on one thread.
    public init() {}

    /// The next 64 random bits.
    public func next() -> UInt64 {
        if position + 8 > bytes.count { refill() }
        defer { position += 8 }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: UInt64.self) }
    }

    /// The key for the next frame.
    func maskingKey() -> WebSocketMaskingKey {
        withUnsafeBytes(of: maskingKeyBits()) { WebSocketMaskingKey($0)! }
    }

    /// The key for the next frame as four bytes in memory order (`ClientFrame`).
    func maskingKeyBits() -> UInt32 {
        if position + 4 > bytes.count { refill() }
        defer { position += 4 }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: UInt32.self) }
    }

    /// A random (version 4, RFC 9562 §5.4) UUID: 122 random bits, the version nibble 4 and the
    /// variant bits 10.
    public func uuid() -> UUID {
        if position + 16 > bytes.count { refill() }
        defer { position += 16 }
        return bytes.withUnsafeBufferPointer { all in
            let b = UnsafeBufferPointer(rebasing: all[position..<position + 16])
            return UUID(uuid: (
                b[0], b[1], b[2], b[3], b[4], b[5], b[6] & 0x0F | 0x40, b[7],
                b[8] & 0x3F | 0x80, b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        }
    }

    private func refill() {
        var filled = 0
        #if canImport(Glibc)
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            while filled < bytes.count {
                let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
                if count <= 0 { break }
                filled += count
            }
            close(descriptor)
        }
        #endif
        if filled < bytes.count {
            var system = SystemRandomNumberGenerator()
            for index in filled..<bytes.count { bytes[index] = UInt8.random(in: .min ... .max, using: &system) }
        }
        position = 0
    }
}
