import NIOWebSocket
import Testing

@testable import WSEgress

/// RFC 6455 §5.3: a fresh, unpredictable masking key per client frame, from the kernel's
/// generator 4 KiB at a time (not a `getrandom` call per frame).
struct MaskingKeyTests {
    @Test func everyFrameGetsAFreshKeyAcrossRefills() {
        let pool = MaskingKeyPool()
        // 3000 keys: three refills of the 4 KiB pool.
        let keys = (0..<3000).map { _ in Array(pool.key()) }
        #expect(Set(keys).count >= 2995, "32-bit keys: a handful of collisions at most")
        for position in 0..<4 { #expect(Set(keys.map { $0[position] }).count > 200) }
        #expect(keys[1023] != keys[1024] && keys[0] != keys[1024], "a refill does not repeat the pool")
    }
}
