import NIOConcurrencyHelpers

/// The RTP/RTCP port pairs of `rtp.port_range` (RFC 3550 §11: RTP on an even port, RTCP on
/// the next odd one). Shared by all event loops, so guarded by a lock; it is touched once at
/// call setup and once at teardown, never per packet.
public final class RTPPortPool: Sendable {
    private struct State {
        var pairs: [Int]
        var inUse: Set<Int> = []
        /// The pairs of shared sockets (`SharedRTPSocket`), among `inUse`.
        var shared: Set<Int> = []
        var cursor = 0
    }

    /// The first port of the range (even).
    public let lowerBound: Int
    /// The last port of the range.
    public let upperBound: Int
    private let state: NIOLockedValueBox<State>

    /// Creates a pool over `range`, using every even port whose odd partner is also in range.
    /// - Parameter range: e.g. 20000...29999.
    public init(range: ClosedRange<Int>) {
        let first = range.lowerBound + range.lowerBound % 2
        lowerBound = first
        upperBound = range.upperBound
        let ports = stride(from: first, to: range.upperBound, by: 2).filter { $0 + 1 <= range.upperBound }
        state = NIOLockedValueBox(State(pairs: ports))
    }

    /// Number of pairs in the pool.
    public var capacity: Int { state.withLockedValue { $0.pairs.count } }

    /// Number of pairs currently handed out.
    public var inUseCount: Int { state.withLockedValue { $0.inUse.count } }

    /// Number of pairs handed out to shared sockets (held for their life, not for a call).
    public var sharedCount: Int { state.withLockedValue { $0.shared.count } }

    /// Number of pairs handed out to single calls (`inUseCount − sharedCount`, read at once).
    public var dedicatedCount: Int { state.withLockedValue { $0.inUse.count - $0.shared.count } }

    /// Takes the next free even port, rotating through the range so that a port just released
    /// is not reused at once (late packets of the old call must not reach a new one).
    /// - Parameters:
    ///   - skipping: ports to pass over (e.g. ones that just failed to bind).
    ///   - shared: the pair is for a shared socket (counted in `sharedCount`).
    /// - Returns: the RTP port (RTCP is the returned port + 1), or `nil` when none is free.
    public func acquire(skipping: Set<Int> = [], shared: Bool = false) -> Int? {
        state.withLockedValue { state in
            let count = state.pairs.count
            guard count > 0 else { return nil }
            for step in 0..<count {
                let port = state.pairs[(state.cursor + step) % count]
                if state.inUse.contains(port) || skipping.contains(port) { continue }
                state.inUse.insert(port)
                if shared { state.shared.insert(port) }
                state.cursor = (state.cursor + step + 1) % count
                return port
            }
            return nil
        }
    }

    /// Returns a port taken with `acquire`.
    public func release(_ port: Int) {
        state.withLockedValue { state in
            state.inUse.remove(port)
            state.shared.remove(port)
        }
    }
}
