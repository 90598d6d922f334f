#if canImport(Glibc)
import Glibc
#endif
import NIOWebSocket

/// Masking keys for one connection's client frames (RFC 6455 §5.3: a fresh key per frame,
/// "derived from a strong source of entropy"). `WebSocketMaskingKey.random()` costs one
/// `getrandom` system call per frame (glibc 2.36's `arc4random` too) — a sixth of the bridge's
/// system calls under load, with a `media` event every 20 ms per call. The pool reads 4 KiB
/// from the kernel's generator (`/dev/urandom`) at once and hands out 4 bytes per frame: the same source, one
/// system call per 1024 frames. Owned by the connection's event loop.
struct MaskingKeyPool {
    private var bytes = [UInt8](repeating: 0, count: 4096)
    private var next = 4096

    /// The key for the next frame.
    mutating func key() -> WebSocketMaskingKey {
        if next + 4 > bytes.count { refill() }
        defer { next += 4 }
        return WebSocketMaskingKey(bytes[next..<next + 4])!
    }

    private mutating func refill() {
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
