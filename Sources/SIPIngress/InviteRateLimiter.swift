/// A token bucket per source address for new INVITEs (the flood protection of
/// `sip.rate_limit`): each source may start `rate` calls per second on average and `burst` at
/// once; the next one is answered 503 with `Retry-After` (RFC 3261 §21.5.4).
///
/// Time is passed in (nanoseconds on a monotonic clock), so tests drive it by hand. The table
/// is bounded: when it reaches `maximumSources`, idle sources (full buckets) are forgotten,
/// and if every source is busy the table starts over (a spoofed-source flood cannot grow it).
public struct InviteRateLimiter: Sendable {
    private struct Bucket: Sendable {
        var tokens: Double
        var updated: Int64
    }

    /// Calls per second a source may start on average.
    public let rate: Double
    /// Calls a source may start back to back.
    public let burst: Double
    /// The most sources remembered at once.
    public let maximumSources: Int
    private var buckets: [String: Bucket] = [:]

    /// Creates a limiter.
    /// - Parameters:
    ///   - rate: sustained INVITEs per second per source (> 0).
    ///   - burst: bucket size (≥ 1).
    ///   - maximumSources: table bound.
    public init(rate: Double, burst: Int, maximumSources: Int = 65_536) {
        self.rate = rate
        self.burst = Double(max(burst, 1))
        self.maximumSources = maximumSources
    }

    /// The number of sources remembered.
    public var sourceCount: Int { buckets.count }

    /// Takes a token for `source` at time `now`.
    /// - Returns: `nil` when the INVITE may proceed, else the seconds until a token is free
    ///   (at least 1, for `Retry-After`).
    public mutating func admit(_ source: String, now: Int64) -> Int? {
        var bucket = buckets[source] ?? Bucket(tokens: burst, updated: now)
        let elapsed = Double(max(now - bucket.updated, 0)) / 1e9
        bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
        bucket.updated = now
        defer {
            if buckets[source] == nil && buckets.count >= maximumSources { prune(now: now) }
            buckets[source] = bucket
        }
        guard bucket.tokens >= 1 else {
            let wait = (1 - bucket.tokens) / rate
            return max(1, Int(wait.rounded(.up)))
        }
        bucket.tokens -= 1
        return nil
    }

    private mutating func prune(now: Int64) {
        buckets = buckets.filter { _, bucket in
            bucket.tokens + Double(max(now - bucket.updated, 0)) / 1e9 * rate < burst
        }
        if buckets.count >= maximumSources { buckets.removeAll(keepingCapacity: true) }
    }
}
