import Testing
@testable import SIPIngress

/// Tier 1: CIDR matching and the per-source INVITE token bucket, on a hand-driven clock.
@Suite struct AdmissionPolicyTests {
    @Test func blocksMatchTheirPrefixOnly() throws {
        let block = try #require(AddressBlock("203.0.113.77/24"))
        #expect(block.description == "203.0.113.0/24")
        #expect(block.contains("203.0.113.1"))
        #expect(block.contains("203.0.113.255"))
        #expect(!block.contains("203.0.114.1"))
        #expect(block.contains("::ffff:203.0.113.9"))  // IPv4-mapped (RFC 4291 §2.5.5.2)
        #expect(!block.contains("2001:db8::1"))
        #expect(!block.contains("not an address"))

        let odd = try #require(AddressBlock("10.1.2.3/13"))  // a prefix inside a byte
        #expect(odd.description == "10.0.0.0/13")
        #expect(odd.contains("10.7.255.255"))
        #expect(!odd.contains("10.8.0.0"))

        let single = try #require(AddressBlock("198.51.100.7"))
        #expect(single.prefixLength == 32)
        #expect(single.contains("198.51.100.7") && !single.contains("198.51.100.8"))

        let v6 = try #require(AddressBlock("2001:db8:abcd::/48"))
        #expect(v6.description == "2001:db8:abcd::/48")
        #expect(v6.contains("2001:db8:abcd:12::1") && v6.contains("[2001:db8:abcd::5]"))
        #expect(!v6.contains("2001:db8:abce::1") && !v6.contains("203.0.113.1"))

        let everyone = try #require(AddressBlock("0.0.0.0/0"))
        #expect(everyone.contains("192.0.2.1") && everyone.contains("127.0.0.1"))
    }

    @Test func malformedBlocksAreRefused() {
        for text in ["", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "::/129", "example.com/24", "1.2.3.4/8/8"] {
            #expect(AddressBlock(text) == nil, "\(text)")
        }
    }

    @Test func emptyAllowListTrustsEveryone() throws {
        #expect(AdmissionPolicy().trusts("192.0.2.1"))
        let policy = AdmissionPolicy(trustedSources: [try #require(AddressBlock("127.0.0.0/8"))])
        #expect(policy.trusts("127.0.0.1") && !policy.trusts("192.0.2.1"))
    }

    @Test func bucketAllowsBurstThenRate() {
        var limiter = InviteRateLimiter(rate: 2, burst: 3)
        let second: Int64 = 1_000_000_000
        // The burst goes through at once; the fourth waits for a token (0.5 s at 2/s → 1 s).
        #expect(limiter.admit("a", now: 0) == nil)
        #expect(limiter.admit("a", now: 0) == nil)
        #expect(limiter.admit("a", now: 0) == nil)
        #expect(limiter.admit("a", now: 0) == 1)
        // Other sources have their own bucket.
        #expect(limiter.admit("b", now: 0) == nil)
        // Half a second later one token has come back, and only one.
        #expect(limiter.admit("a", now: second / 2) == nil)
        #expect(limiter.admit("a", now: second / 2) == 1)
        // Refusals do not use tokens: at 2/s, ten seconds refill to the burst, not beyond.
        #expect(limiter.admit("a", now: 10 * second) == nil)
        #expect(limiter.admit("a", now: 10 * second) == nil)
        #expect(limiter.admit("a", now: 10 * second) == nil)
        #expect(limiter.admit("a", now: 10 * second) == 1)
    }

    @Test func slowRateGivesLongerRetryAfter() {
        var limiter = InviteRateLimiter(rate: 0.1, burst: 1)
        #expect(limiter.admit("a", now: 0) == nil)
        #expect(limiter.admit("a", now: 0) == 10)
        #expect(limiter.admit("a", now: 5_000_000_000) == 5)
    }

    @Test func tableStaysBoundedUnderSpoofedSources() {
        var limiter = InviteRateLimiter(rate: 1, burst: 1, maximumSources: 100)
        for index in 0..<10_000 {
            _ = limiter.admit("10.0.\(index / 256).\(index % 256)", now: Int64(index))
            #expect(limiter.sourceCount <= 100)
        }
        // A busy source survives pruning of idle ones: after 1 s everyone else is idle again.
        var fresh = InviteRateLimiter(rate: 1, burst: 1, maximumSources: 2)
        _ = fresh.admit("busy", now: 0)
        _ = fresh.admit("idle", now: 0)
        _ = fresh.admit("busy", now: 2_000_000_000)  // refills busy and takes its token again
        _ = fresh.admit("new", now: 2_000_000_000)  // table full: idle (full bucket) is pruned
        #expect(fresh.admit("busy", now: 2_000_000_000) == 1)
        #expect(fresh.sourceCount == 2)
    }
}
