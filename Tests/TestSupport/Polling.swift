/// A test failure with a message.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `check` every 10 ms until it returns a value or `timeout` passes (bounded waits only;
/// a broken bridge makes the test fail, never hang).
public func poll<T: Sendable>(
    timeout: Duration, what: String, _ check: @Sendable () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = try await check() { return value }
        try await Task.sleep(for: .milliseconds(10))
    }
    if let value = try await check() { return value }
    throw TestFailure("timed out after \(timeout) waiting for \(what)")
}

/// Where two byte sequences first differ, or `nil` when they are equal. Used instead of
/// `#expect(a == b)` on long audio buffers, whose failure diff would be huge and slow.
public func firstMismatch(_ actual: [UInt8], _ expected: [UInt8]) -> String? {
    if let index = zip(actual, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
        return "first difference at byte \(index) of \(expected.count): got \(actual[index]), expected \(expected[index])"
    }
    return actual.count == expected.count ? nil : "length \(actual.count), expected \(expected.count)"
}

/// When a UAC retransmits a request over UDP (RFC 3261 §17.1.1.2 Timer A, §17.1.2.2 Timer E):
/// T1 = 500 ms after it was sent, then at doubling intervals up to T2 = 4 s. The test callers
/// retransmit on it, so a datagram lost or a test thread starved in a loaded run costs a
/// retransmission, not the test.
public struct RetransmissionTimer: Sendable {
    /// When the next copy is due.
    public private(set) var due: ContinuousClock.Instant
    private var interval = Duration.milliseconds(500)

    /// A timer for a request sent at `sent`.
    public init(sent: ContinuousClock.Instant = .now) {
        due = sent + .milliseconds(500)
    }

    /// Whether a copy is due at `now`; when it is, the next one is scheduled.
    public mutating func fires(at now: ContinuousClock.Instant) -> Bool {
        guard now >= due else { return false }
        interval = min(interval * 2, .seconds(4))
        due = now + interval
        return true
    }
}
