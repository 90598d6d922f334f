import Logging
public import NIOCore

/// The SIP layer without sockets (the same core `UserAgent` runs): messages go in as bytes and
/// whatever the bridge would send is dropped. For benchmarks and embedding; confine it to
/// `eventLoop`, e.g. an `EmbeddedEventLoop` whose time the caller advances.
public final class SIPEngine {
    private let core: UserAgentCore

    /// Creates an engine.
    /// - Parameters:
    ///   - eventLoop: the loop its timers run on.
    ///   - local: the Via/Contact identity.
    ///   - timers: T1/T2/T4.
    ///   - delegate: receives calls; it must answer them (`reject`) like an application.
    ///   - random: the generator of tags and branches (`UserAgent.Configuration.randomSource`).
    public init(
        eventLoop: any EventLoop, local: LocalEndpoint = LocalEndpoint(host: "127.0.0.1", port: 5060),
        timers: SIPTimerValues = .init(), delegate: any UserAgentDelegate,
        random: any RandomNumberGenerator = SystemRandomNumberGenerator()
    ) {
        core = UserAgentCore(
            eventLoop: eventLoop, local: local, timers: timers, delegate: delegate,
            logger: Logger(label: "sipbridge.engine", factory: { _ in SwiftLogNoOpLogHandler() }))
        core.random = random
    }

    /// Parses and dispatches one datagram from `source` (RFC 3261 §18.2.1 onwards).
    public func receive(_ datagram: ByteBuffer, from source: SocketAddress) {
        core.received(datagram, from: SIPPeer(address: source))
    }

    /// Rejects a call the delegate was offered.
    public func reject(_ id: SessionID, status: Int) {
        core.reject(id, status: status, reason: nil, headers: [])
    }

    /// Server transactions and sessions held (both fall to zero once the timers have run).
    public var tableSizes: (transactions: Int, sessions: Int) { (core.serverTransactions.count, core.sessions.count) }
}
