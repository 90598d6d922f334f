import Foundation
import NIOWebSocket
import Testing

@testable import WSEgress

/// RFC 6455 §5.3: a fresh, unpredictable masking key per client frame, from the kernel's
/// generator 4 KiB at a time (not a `getrandom` call per frame); version-4 UUIDs from the same
/// pool (RFC 9562 §5.4).
struct EntropyPoolTests {
    @Test func everyFrameGetsAFreshKeyAcrossRefills() {
        let pool = EntropyPool()
        // 3000 keys: three refills of the 4 KiB pool.
        let keys = (0..<3000).map { _ in Array(pool.maskingKey()) }
        #expect(Set(keys).count >= 2995, "32-bit keys: a handful of collisions at most")
        for position in 0..<4 { #expect(Set(keys.map { $0[position] }).count > 200) }
        #expect(keys[1023] != keys[1024] && keys[0] != keys[1024], "a refill does not repeat the pool")
    }

    /// As the SIP layer's and the RTP sender's generator: 64 fresh bits per value, across refills.
    @Test func asAGeneratorEveryValueIsFresh() {
        var pool = EntropyPool()
        // 2000 values of 8 bytes: three refills, with a masking key taken now and then so
        // values straddle the pool's end.
        var values: [UInt64] = []
        for index in 0..<2000 {
            values.append(pool.next())
            if index % 11 == 0 { _ = pool.maskingKey() }
        }
        #expect(Set(values).count == values.count)
        for bit in [0, 7, 31, 32, 63] {
            let set = values.filter { $0 >> UInt64(bit) & 1 == 1 }.count
            #expect((800...1200).contains(set), "bit \(bit) set in \(set) of 2000")
        }
        let ssrcs = (0..<500).map { _ in UInt32.random(in: 1...UInt32.max, using: &pool) }
        #expect(Set(ssrcs).count >= 499)
    }

    @Test func uuidsAreVersion4AndDistinctAcrossRefills() {
        let pool = EntropyPool()
        // 600 UUIDs of 16 bytes: two refills, with keys taken in between so they straddle them.
        var ids: [UUID] = []
        for index in 0..<600 {
            ids.append(pool.uuid())
            if index % 7 == 0 { _ = pool.maskingKey() }
        }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let text = id.uuidString
            #expect(text.count == 36)
            // xxxxxxxx-xxxx-4xxx-[89AB]xxx-xxxxxxxxxxxx
            #expect(Array(text)[14] == "4", "\(text)")
            #expect("89AB".contains(Array(text)[19]), "\(text)")
        }
        // The 122 random bits vary: every hex digit outside the fixed ones takes many values.
        for position in [0, 9, 15, 20, 35] {
            #expect(Set(ids.map { Array($0.uuidString)[position] }).count >= 12)
        }
    }
}
