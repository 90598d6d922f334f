import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import SIPIngress

/// Tier 3 plumbing: a real `UserAgent` on 127.0.0.1 and a plain NIO UDP socket playing the
/// caller. Every wait has a deadline, so a broken stack fails a test instead of hanging it.
final class Loopback {
    /// Small timers keep retransmission tests fast: G runs 50, 100, 200, 400, 400 ms; H is 3.2 s.
    static let timers = SIPTimerValues(t1: .milliseconds(50), t2: .milliseconds(400), t4: .milliseconds(500))

    let group: MultiThreadedEventLoopGroup
    let agent: UserAgent
    let delegate: RecordingDelegate
    let caller: UDPCaller

    private init(group: MultiThreadedEventLoopGroup, agent: UserAgent, delegate: RecordingDelegate, caller: UDPCaller) {
        self.group = group
        self.agent = agent
        self.delegate = delegate
        self.caller = caller
    }

    /// Starts an agent and a caller, runs `body`, and always shuts both down.
    static func run(
        admission: AdmissionPolicy = .init(), sessionTimer: SessionTimerSettings = .init(),
        authentication: DigestAuthSettings? = nil, randomSource: (@Sendable () -> any RandomNumberGenerator)? = nil,
        _ body: (Loopback) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let delegate = RecordingDelegate()
        do {
            var configuration = UserAgent.Configuration(
                listenHost: "127.0.0.1", listenPort: 0, timers: timers, admission: admission, sessionTimer: sessionTimer,
                authentication: authentication)
            if let randomSource { configuration.randomSource = randomSource }
            let agent = try await UserAgent.start(
                configuration: configuration,
                eventLoop: group.next(), delegate: delegate, logger: Logger(label: "sipbridge.test.sip"))
            let caller = try await UDPCaller.start(group: group, agent: agent.localAddress)
            let loopback = Loopback(group: group, agent: agent, delegate: delegate, caller: caller)
            do {
                try await body(loopback)
            } catch {
                await loopback.stop()
                throw error
            }
            await loopback.stop()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    private func stop() async {
        try? await agent.shutdown()
        try? await caller.close()
    }

    /// Sends one request and waits for its first response with `status`.
    @discardableResult
    func request(_ text: String, expecting status: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> SIPMessage
    {
        try await caller.send(text)
        return try await caller.receive(sourceLocation: sourceLocation) { $0.statusCode == status }
    }

    /// A barrier: everything sent before it has been processed by the agent once the OPTIONS
    /// answer arrives (one loop, one socket, in order). The OPTIONS is retransmitted as a UAC
    /// would until answered (`UDPCaller.transact`).
    func sync() async throws {
        let branch = "z9hG4bKsync\(UInt32.random(in: 0...UInt32.max))"
        let options = SIPScript(callID: "sync-\(branch)", fromTag: "s", callerPort: caller.port).options(branch: branch)
        _ = try await caller.transact(options) { $0.cseq.method == .options && $0.vias.first?.branch == branch }
    }
}

/// Polls `probe` until it yields a value or `timeout` passes.
func eventually<T>(within timeout: Duration = .seconds(3), _ probe: () -> T?) async throws -> T? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = probe() { return value }
        try await Task.sleep(for: .milliseconds(5))
    }
    return probe()
}

/// The application side: records every delegate call and can answer calls by script.
final class RecordingDelegate: UserAgentDelegate {
    enum Event: Sendable {
        case incoming(IncomingCall)
        case ended(SessionID, CallEndReason)
        case updated(SessionID, SessionUpdate)
        case dtmf(SessionID, Character, Int)
    }

    private let events = Mutex<[Event]>([])
    private let script = Mutex<(@Sendable (IncomingCall) -> Void)?>(nil)

    /// Runs `handler` on every later incoming call (on the SIP loop, like a real application).
    func onIncomingCall(_ handler: @escaping @Sendable (IncomingCall) -> Void) {
        script.withLock { $0 = handler }
    }

    func incomingCall(_ call: IncomingCall) {
        events.withLock { $0.append(.incoming(call)) }
        script.withLock { $0 }?(call)
    }

    func callEnded(_ id: SessionID, reason: CallEndReason) {
        events.withLock { $0.append(.ended(id, reason)) }
    }

    func sessionUpdated(_ id: SessionID, _ update: SessionUpdate) {
        events.withLock { $0.append(.updated(id, update)) }
    }

    func receivedDTMF(_ id: SessionID, digit: Character, durationMilliseconds: Int) {
        events.withLock { $0.append(.dtmf(id, digit, durationMilliseconds)) }
    }

    /// Every session update so far, in order.
    var updates: [SessionUpdate] {
        events.withLock { events in
            events.compactMap { if case .updated(_, let update) = $0 { update } else { nil } }
        }
    }

    /// Every INFO key press so far, as "digit/ms".
    var keyPresses: [String] {
        events.withLock { events in
            events.compactMap { if case .dtmf(_, let digit, let ms) = $0 { "\(digit)/\(ms)" } else { nil } }
        }
    }

    /// Every incoming call so far.
    var incomingCalls: [IncomingCall] {
        events.withLock { events in
            events.compactMap { if case .incoming(let call) = $0 { call } else { nil } }
        }
    }

    /// Every end so far, in order.
    var endings: [(SessionID, CallEndReason)] {
        events.withLock { events in
            events.compactMap { if case .ended(let id, let reason) = $0 { (id, reason) } else { nil } }
        }
    }

    /// Waits for the `index`-th incoming call.
    func incomingCall(_ index: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> IncomingCall {
        let call = try await eventually { incomingCalls.dropFirst(index).first }
        return try #require(call, "no incoming call #\(index)", sourceLocation: sourceLocation)
    }

    /// Waits for the end of call `id`.
    func ending(of id: SessionID, sourceLocation: SourceLocation = #_sourceLocation) async throws -> CallEndReason {
        let reason = try await eventually { endings.first { $0.0 == id }?.1 }
        return try #require(reason, "call \(id) did not end", sourceLocation: sourceLocation)
    }
}
