public import Logging
public import NIOCore
import NIOPosix

/// The SIP user agent server of the bridge: one UDP listener (RFC 3261 §18) with its
/// transaction and dialog layers, running on one event loop.
///
/// The public methods may be called from any thread; they hop onto the SIP loop. Call events
/// arrive on the `UserAgentDelegate`.
public final class UserAgent: Sendable {
    /// Listener settings.
    public struct Configuration: Sendable {
        /// The address and port to bind (`sip.listen`).
        public var listenHost: String
        /// The UDP port to bind.
        public var listenPort: Int
        /// The address written into Via and Contact (`sip.advertised_address`); the bound
        /// address when `nil`.
        public var advertisedHost: String?
        /// T1/T2/T4.
        public var timers: SIPTimerValues
        /// Source allow-list and INVITE rate limit.
        public var admission: AdmissionPolicy
        /// RFC 4028 session timers.
        public var sessionTimer: SessionTimerSettings
        /// TCP and TLS listeners besides the UDP one.
        public var streamListeners: [SIPStreamListener]
        /// Digest authentication of new INVITEs (`nil`: none).
        public var authentication: DigestAuthSettings?
        /// Bindings to register at providers' registrars.
        public var registrations: [RegistrationSettings]

        /// Creates listener settings.
        public init(
            listenHost: String, listenPort: Int, advertisedHost: String? = nil, timers: SIPTimerValues = .init(),
            admission: AdmissionPolicy = .init(), sessionTimer: SessionTimerSettings = .init(),
            streamListeners: [SIPStreamListener] = [], authentication: DigestAuthSettings? = nil,
            registrations: [RegistrationSettings] = []
        ) {
            self.registrations = registrations
            self.authentication = authentication
            self.streamListeners = streamListeners
            self.sessionTimer = sessionTimer
            self.listenHost = listenHost
            self.listenPort = listenPort
            self.advertisedHost = advertisedHost
            self.timers = timers
            self.admission = admission
        }

        /// Makes the generator of tags, branches and CSeqs, on the SIP loop (RFC 3261 §19.3
        /// asks for cryptographically random tags). The default is the system's generator.
        public var randomSource: @Sendable () -> any RandomNumberGenerator = { SystemRandomNumberGenerator() }
    }

    /// The event loop all SIP state lives on.
    public let eventLoop: any EventLoop
    /// The bound local address.
    public let localAddress: SocketAddress
    /// The bound TCP/TLS listener addresses, in configuration order.
    public let streamAddresses: [SocketAddress]
    private let channel: any Channel
    private let streamChannels: [any Channel]
    private let core: NIOLoopBound<UserAgentCore>

    private init(eventLoop: any EventLoop, channel: any Channel, streamChannels: [any Channel], core: NIOLoopBound<UserAgentCore>) {
        self.eventLoop = eventLoop
        self.channel = channel
        self.streamChannels = streamChannels
        self.streamAddresses = streamChannels.compactMap(\.localAddress)
        self.core = core
        self.localAddress = channel.localAddress!
    }

    /// Binds the listener and starts serving.
    /// - Parameters:
    ///   - configuration: where to listen and what to advertise.
    ///   - eventLoop: the loop that owns all SIP state.
    ///   - delegate: receives call events.
    ///   - logger: the SIP logger.
    public static func start(
        configuration: Configuration, eventLoop: any EventLoop, delegate: any UserAgentDelegate, logger: Logger
    ) async throws -> UserAgent {
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            // A burst (an INVITE flood answered 503, a carrier's retransmissions) must queue,
            // not overflow the default ~208 KiB and drop a legitimate carrier's ACK or BYE with
            // it. The kernel caps this at net.core.rmem_max (docs/operations.md).
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            // RFC 3261 §18.1.1: UDP messages may be up to 65,535 bytes; NIO's default is 2 KiB.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .bind(host: configuration.listenHost, port: configuration.listenPort).get()
        let bound = channel.localAddress?.port ?? configuration.listenPort
        let host = configuration.advertisedHost ?? channel.localAddress?.ipAddress ?? configuration.listenHost
        let local = LocalEndpoint(host: host, port: bound)
        let core = try await eventLoop.submit {
            let core = UserAgentCore(
                eventLoop: eventLoop, local: local, timers: configuration.timers, admission: configuration.admission,
                sessionTimer: configuration.sessionTimer, delegate: delegate, logger: logger)
            core.datagramChannel = channel
            core.random = configuration.randomSource()
            core.authenticator = configuration.authentication.map(DigestAuthenticator.init)
            try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(core: core))
            return NIOLoopBound(core, eventLoop: eventLoop)
        }.get()
        var streamChannels: [any Channel] = []
        do {
            for listener in configuration.streamListeners {
                let server = try await listener.bind(core: core, eventLoop: eventLoop)
                streamChannels.append(server)
                let token = listener.tls == nil ? "TCP" : "TLS"
                let endpoint = LocalEndpoint(host: host, port: server.localAddress?.port ?? listener.port, transport: token)
                let connector = listener.connector
                try await eventLoop.submit {
                    core.value.streamLocals[token] = endpoint
                    core.value.streamConnectors[token] = connector
                }.get()
                logger.info("SIP listening", metadata: ["address": "\(server.localAddress!)", "contact": "\(endpoint.contact)"])
            }
        } catch {
            for server in streamChannels { try? await server.close() }
            try? await channel.close()
            throw error
        }
        logger.info("SIP listening", metadata: ["address": "\(channel.localAddress!)", "contact": "\(local.contact)"])
        let registrations = configuration.registrations
        try await eventLoop.submit { core.value.startRegistrations(registrations) }.get()
        return UserAgent(eventLoop: eventLoop, channel: channel, streamChannels: streamChannels, core: core)
    }

    /// The Contact and Via identity the agent uses.
    public var local: LocalEndpoint {
        get async throws { try await eventLoop.submit { self.core.value.local }.get() }
    }

    /// Answers a call with 200 OK carrying the SDP answer.
    public func accept(_ id: SessionID, sdp: String) {
        eventLoop.execute { self.core.value.accept(id, sdp: sdp) }
    }

    /// Sends `180 Ringing`, or `183 Session Progress` with the SDP answer (early media), before
    /// the call is answered.
    public func provisional(_ id: SessionID, status: Int, sdp: String? = nil) {
        eventLoop.execute { self.core.value.provisional(id, status: status, sdp: sdp) }
    }

    /// Rejects a call that has not been answered.
    /// - Parameters:
    ///   - id: the session.
    ///   - status: 300-699, e.g. 404, 488, 503.
    ///   - reason: the reason phrase, or the standard one.
    ///   - headers: extra headers such as `Retry-After`.
    public func reject(_ id: SessionID, status: Int, reason: String? = nil, headers: [SIPHeader] = []) {
        eventLoop.execute { self.core.value.reject(id, status: status, reason: reason, headers: headers) }
    }

    /// Hangs a call up: BYE when answered (after the ACK), else the final `status`.
    /// - Parameters:
    ///   - id: the session.
    ///   - status: the final response if the call is not answered yet.
    ///   - headers: extra BYE headers such as `Reason` (RFC 3326).
    public func hangUp(_ id: SessionID, status: Int = 480, headers: [SIPHeader] = []) {
        eventLoop.execute { self.core.value.hangUp(id, status: status, headers: headers) }
    }

    /// Answers a re-INVITE or UPDATE (`SessionUpdate.offer`/`.offerless`) with 200 OK and SDP.
    public func answerUpdate(_ id: SessionID, sdp: String) {
        eventLoop.execute { self.core.value.answerUpdate(id, status: 200, sdp: sdp) }
    }

    /// Refuses a re-INVITE or UPDATE (e.g. 488); the session goes on as before (RFC 3261 §14.2).
    public func rejectUpdate(_ id: SessionID, status: Int) {
        eventLoop.execute { self.core.value.answerUpdate(id, status: status, sdp: nil) }
    }

    /// Draining (before a shutdown or deploy): OPTIONS is answered 503 with `Retry-After`, so
    /// a proxy's health probe (e.g. Kamailio's dispatcher) sends new calls elsewhere; calls in
    /// progress are untouched.
    /// Registrations (`sip.registrations`) are removed at the same time (REGISTER with
    /// `Expires: 0`), so the provider stops routing calls here.
    public func setDraining(_ draining: Bool) {
        eventLoop.execute {
            self.core.value.draining = draining
            if draining { self.core.value.unregisterAll() }
        }
    }

    /// At capacity (`sip.max_calls`): out-of-dialog OPTIONS is answered 503 with `Retry-After`,
    /// so a dispatcher's probe stops choosing this bridge until a call ends.
    public func setFull(_ full: Bool) {
        eventLoop.execute { self.core.value.full = full }
    }

    /// Requests refused by the admission rules (untrusted source, rate limit) since start.
    public func rejectedRequests() async throws -> Int {
        try await eventLoop.submit { self.core.value.rejectedRequests }.get()
    }

    /// The TCP and TLS connections open now (accepted and reopened).
    public func openConnections() async throws -> Int {
        try await eventLoop.submit { self.core.value.connections.count }.get()
    }

    /// The state of each `sip.registrations` binding.
    public func registrationStatuses() async throws -> [RegistrationStatus] {
        try await eventLoop.submit { self.core.value.registrationStatuses }.get()
    }

    /// The number of calls the SIP layer tracks.
    public func activeSessions() async throws -> Int {
        try await eventLoop.submit { self.core.value.activeSessions }.get()
    }

    /// Hangs up every call and closes the listener, after giving pending unregistrations up to
    /// 2 s to be answered.
    public func shutdown() async throws {
        for _ in 0..<100 {
            guard try await eventLoop.submit({ self.core.value.unregistrationsPending }).get() else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await eventLoop.submit { self.core.value.hangUpAll() }.get()
        for server in streamChannels { try? await server.close() }
        let connections = try await eventLoop.submit { Array(self.core.value.connections.values) }.get()
        for connection in connections { try? await connection.close() }
        try await channel.close()
    }
}

/// Hands each datagram to the core (STYLE.md rule 6: the handler only translates).
private final class SIPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let core: UserAgentCore

    init(core: UserAgentCore) { self.core = core }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        core.received(envelope.data, from: SIPPeer(address: envelope.remoteAddress))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket survives per-datagram errors (e.g. ICMP port unreachable); keep serving.
        core.logger.debug("SIP socket error", metadata: ["error": "\(error)"])
    }
}
