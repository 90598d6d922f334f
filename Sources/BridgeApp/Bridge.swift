import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NIOCore
import NIOPosix
import SIPIngress
import WSEgress

/// A running bridge: the SIP listener, the call registry, the status server and the event
/// loops they share. Started by `sipbridge run`/`demo` and by the integration tests.
final class Bridge: Sendable {
    let config: BridgeConfig
    let userAgent: UserAgent
    let registry: CallRegistry
    /// The bound SIP port (useful when configured as 0).
    let sipPort: Int
    /// The bound TCP port, if `sip.listen` has a `tcp://` entry.
    var sipTCPPort: Int? {
        zip(config.sip.streamListeners, userAgent.streamAddresses).first { !$0.0.secure }?.1.port
    }
    /// The bound TLS port, if `sip.listen` has a `tls://` entry.
    var sipTLSPort: Int? {
        zip(config.sip.streamListeners, userAgent.streamAddresses).first { $0.0.secure }?.1.port
    }
    /// The bound status port.
    let statusPort: Int
    /// The address in Contact, Via and SDP.
    let advertisedAddress: String
    private let group: MultiThreadedEventLoopGroup
    private let statusTask: Task<Void, any Error>
    private let services: ServiceGroup
    private let logger: Logger

    private init(
        config: BridgeConfig, userAgent: UserAgent, registry: CallRegistry, sipPort: Int, statusPort: Int,
        advertisedAddress: String, group: MultiThreadedEventLoopGroup, statusTask: Task<Void, any Error>,
        services: ServiceGroup, logger: Logger
    ) {
        self.services = services
        self.config = config
        self.userAgent = userAgent
        self.registry = registry
        self.sipPort = sipPort
        self.statusPort = statusPort
        self.advertisedAddress = advertisedAddress
        self.group = group
        self.statusTask = statusTask
        self.logger = logger
    }

    /// Starts everything: one event loop per core for calls, plus one of its own for SIP, so
    /// that signalling (retransmission timers, new INVITEs) never queues behind media work.
    /// - Parameters:
    ///   - config: the validated configuration.
    ///   - logger: the root logger.
    static func start(config: BridgeConfig, logger: Logger) async throws -> Bridge {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount + 1)
        let loops = Array(group.makeIterator())
        let sipLoop = loops[0]
        let advertised = LocalAddresses.advertised(configured: config.sip.advertisedAddress, listenHost: config.sip.listenHost)
        let records: CallRecordWriter?
        do {
            records = config.recordsEnabled ? try CallRecordWriter(path: config.cdrPath) : nil
        } catch {
            try? await group.shutdownGracefully()
            throw BridgeStartError("records.cdr_path: cannot open \(config.cdrPath ?? "stdout"): \(error)")
        }
        let registry = CallRegistry(
            callLoops: Array(loops.dropFirst()), config: config, advertisedAddress: advertised, records: records,
            logger: logger)
        let userAgent: UserAgent
        let streamListeners: [SIPStreamListener]
        let registrations: [RegistrationSettings]
        do {
            streamListeners = try config.sip.makeStreamListeners()
            registrations = try config.sip.resolvedRegistrations()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        do {
            var sip = UserAgent.Configuration(
                listenHost: config.sip.listenHost, listenPort: config.sip.listenPort, advertisedHost: advertised,
                timers: config.sip.timers, admission: config.sip.admission, sessionTimer: config.sip.sessionTimer,
                streamListeners: streamListeners, authentication: config.sip.authentication,
                registrations: registrations)
            // Tags and branches from a buffered pool: one read per 4 KiB, not a system call each.
            sip.randomSource = { EntropyPool() }
            userAgent = try await UserAgent.start(configuration: sip, eventLoop: sipLoop, delegate: registry, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            let listeners = (["udp://\(config.sip.listenHost):\(config.sip.listenPort)"] + config.sip.streamListeners.map(\.uri))
            throw BridgeStartError("cannot listen for SIP on \(listeners.joined(separator: ", ")): \(error)")
        }
        registry.attach(userAgent)

        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let startedAt = Date()
        let statusApp = StatusServer.application(
            config: config.status, registry: registry, startedAt: startedAt, logger: logger
        ) { port in portContinuation.yield(port) }
        // A service group gives the HTTP server a graceful shutdown (no cancellation errors).
        let services = ServiceGroup(
            configuration: .init(services: [statusApp], gracefulShutdownSignals: [], logger: logger))
        let statusTask = Task {
            defer { portContinuation.finish() }
            try await services.run()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let statusPort = await iterator.next() else {
            try? await userAgent.shutdown()
            try? await group.shutdownGracefully()
            let failure = await statusTask.result
            throw BridgeStartError(
                "cannot serve status on \(config.status.host):\(config.status.port): \(failure)")
        }
        logger.info(
            "sipbridge running",
            metadata: [
                "sip": "\((["udp://\(userAgent.localAddress)"] + zip(config.sip.streamListeners, userAgent.streamAddresses).map { "\($0.secure ? "tls" : "tcp")://\($1)" }).joined(separator: ","))",
                "advertised": "\(advertised)", "status": "http://\(config.status.host):\(statusPort)",
                "routes": "\(config.routes.map(\.name).joined(separator: ","))",
            ])
        return Bridge(
            config: config, userAgent: userAgent, registry: registry, sipPort: userAgent.localAddress.port ?? 0,
            statusPort: statusPort, advertisedAddress: advertised, group: group, statusTask: statusTask,
            services: services, logger: logger)
    }

    /// Drains (zero-drop deploys): refuses new calls (INVITE and OPTIONS 503 + Retry-After,
    /// `/readyz` 503) and waits until the calls in progress end or `timeout` passes. The caller
    /// then calls `shutdown()`, which hangs up whatever is left.
    /// - Returns: the calls still active when the wait ended.
    @discardableResult
    func drain(timeout: Duration) async -> Int {
        registry.startDraining()
        let deadline = ContinuousClock.now + timeout
        while registry.activeCount > 0 && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
        }
        let left = registry.activeCount
        logger.info("drain finished", metadata: ["calls_left": "\(left)"])
        return left
    }

    /// Hangs up every call, closes the listeners and stops the event loops.
    func shutdown() async {
        await registry.endAll()
        try? await userAgent.shutdown()
        await services.triggerGracefulShutdown()
        _ = await statusTask.result
        try? await group.shutdownGracefully()
        logger.info("sipbridge stopped")
    }
}

/// A failure to start, with a message for the operator.
struct BridgeStartError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
