#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import NIOWebSocket

/// Masking keys for one connection's client frames (RFC 6455 §5.3: a fresh key per frame,
/// "derived from a strong source of entropy"). `WebSocketMaskingKey.random()` costs one
/// `getrandom` system call per frame (glibc 2.36's `arc4random` too) — a sixth of the bridge's
/// system calls under load, with a `media` event every 20 ms per call. The pool reads 4 KiB
/// from the kernel's generator (`/dev/urandom`) at once and hands out 4 bytes per frame: the same source, one
/// read per 1024 frames. One pool per event-loop thread serves every connection on that loop
/// (each key is still used once); a pool per connection cost 4 KiB per call.
///
/// `@unchecked Sendable`: `current` hands each thread its own pool, and a pool is only ever
/// touched by the thread that owns it.
final class MaskingKeyPool: @unchecked Sendable {
    private var bytes = [UInt8](repeating: 0, count: 4096)
    private var next = 4096

    private static let perThread = ThreadSpecificVariable<MaskingKeyPool>()

    /// The calling thread's pool (the event loop's, for a connection's frames).
    static var current: MaskingKeyPool {
        if let pool = perThread.currentValue { return pool }
        let pool = MaskingKeyPool()
        perThread.currentValue = pool
        return pool
    }

    /// The key for the next frame.
    func key() -> WebSocketMaskingKey {
        if next + 4 > bytes.count { refill() }
        defer { next += 4 }
        return WebSocketMaskingKey(bytes[next..<next + 4])!
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
        next = 0
    }
}
