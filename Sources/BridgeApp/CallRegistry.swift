import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RTPMedia
import SIPIngress
import Transcode
import WSEgress

/// Spawns, finds and reaps calls (ARCHITECTURE "One call, one owner"): the SIP layer's delegate.
/// It picks an event loop per call, routes the INVITE, and forwards SIP events to the call's
/// loop. It holds only handles; call state is touched on the call's own loop.
final class CallRegistry: UserAgentDelegate, Sendable {
    /// A live call: its loop and the call confined to it.
    struct Handle: Sendable {
        let eventLoop: any EventLoop
        let call: NIOLoopBound<Call>
        /// The call's id (`call_id` in `/status`), readable from any thread.
        let callID: String
        /// Its route's name (for `routes[].max_calls`).
        let route: String
    }

    struct State {
        var calls: [SessionID: Handle] = [:]
        var userAgent: UserAgent?
        var totalCalls = 0
        var rejectedCalls = 0
        var draining = false
        /// What the SIP layer was last told about capacity (out-of-dialog OPTIONS → 503 when full).
        var signalledFull = false
        var nextLoop = 0
        /// The parts of the configuration SIGHUP may replace (`reload(_:)`).
        var live: BridgeConfig
    }

    /// The loops calls are spread over (round robin); SIP has a loop of its own.
    private let callLoops: [any EventLoop]
    /// One media clock per call loop (the pacers and reorder buffers of its calls).
    private let clocks: [MediaClock]
    /// With `rtp.sockets: per_loop`, one shared RTP/RTCP pair per call loop (bound on first use).
    private let sharedRTP: [SharedRTPSocket]?
    private let config: BridgeConfig
    private let portPool: RTPPortPool
    private let logger: Logger
    let records: CallRecordWriter?
    /// `GET /metrics`.
    let metrics: BridgeMetrics
    /// Stream status callbacks (async-http-client's shared client).
    let callbacks: StatusCallbackSender
    /// The address written into SDP answers (`c=`, `o=`).
    let advertisedAddress: String
    let state: NIOLockedValueBox<State>

    init(
        callLoops: [any EventLoop], config: BridgeConfig, advertisedAddress: String, records: CallRecordWriter? = nil,
        metrics: BridgeMetrics = BridgeMetrics(), logger: Logger
    ) {
        self.records = records
        self.metrics = metrics
        self.callbacks = StatusCallbackSender(metrics: metrics, logger: logger)
        self.callLoops = callLoops
        self.clocks = callLoops.map { MediaClock(eventLoop: $0, settlesAfterSocketPass: true) }
        self.advertisedAddress = advertisedAddress
        self.config = config
        let portPool = RTPPortPool(range: config.rtp.portRange)
        self.portPool = portPool
        self.sharedRTP =
            config.rtp.sharedSockets
            ? callLoops.map {
                SharedRTPSocket(host: config.rtp.address, pool: portPool, eventLoop: $0) { metrics.rtpUnmatched() }
            } : nil
        self.state = NIOLockedValueBox(State(live: config))
        self.logger = logger
    }

    /// Connects the registry to the SIP layer once it is listening.
    func attach(_ userAgent: UserAgent) {
        state.withLockedValue { $0.userAgent = userAgent }
    }

    /// `sip.max_calls`.
    var maximumCalls: Int { state.withLockedValue { $0.live.sip.maxCalls } }

    /// Whether new calls are refused (503 + Retry-After) because the bridge is draining.
    var isDraining: Bool { state.withLockedValue { $0.draining } }

    /// Starts draining: new INVITEs and OPTIONS get 503 + Retry-After; calls in progress go on.
    func startDraining() {
        let userAgent = state.withLockedValue { state -> UserAgent? in
            state.draining = true
            return state.userAgent
        }
        userAgent?.setDraining(true)
        logger.info("draining: refusing new calls", metadata: ["calls_active": "\(activeCount)"])
    }

    /// The SIP layer's registrations (`sip.registrations`).
    func registrations() async -> [RegistrationStatus] {
        let userAgent = state.withLockedValue { $0.userAgent }
        return (try? await userAgent?.registrationStatuses()) ?? []
    }

    /// Calls currently tracked.
    var activeCount: Int { state.withLockedValue { $0.calls.count } }
    /// Calls currently tracked on the route named `route`.
    func activeCount(onRoute route: String) -> Int {
        state.withLockedValue { $0.calls.values.filter { $0.route == route }.count }
    }

    /// Handles of the calls currently tracked.
    var handles: [Handle] { state.withLockedValue { Array($0.calls.values) } }
    /// Calls offered since start, and how many were rejected before answer.
    var totals: (offered: Int, rejected: Int) { state.withLockedValue { ($0.totalCalls, $0.rejectedCalls) } }
    /// The RTP port pairs held by calls (a loop's shared pair, `rtp.sockets: per_loop`, is not one).
    var portsInUse: Int { portPool.dedicatedCount }

    // MARK: - UserAgentDelegate (called on the SIP loop)

    func incomingCall(_ call: IncomingCall) {
        let offeredAt = ContinuousClock.now
        metrics.callOffered()
        guard let userAgent = state.withLockedValue({ state -> UserAgent? in
            state.totalCalls += 1
            return state.userAgent
        }) else { return }
        let reject: @Sendable (Int, String?, [SIPHeader]) -> Void = { status, reason, headers in
            self.state.withLockedValue { $0.rejectedCalls += 1 }
            self.metrics.callRejected(status: status)
            userAgent.reject(call.id, status: status, reason: reason, headers: headers)
            self.logger.info(
                "call rejected",
                metadata: ["sip.call_id": "\(call.sipCallID)", "status": "\(status)", "reason": "\(reason ?? "")"])
        }
        if isDraining {
            return reject(503, "Draining", [SIPHeader("Retry-After", "30")])
        }
        let live = state.withLockedValue { $0.live }
        if activeCount >= live.sip.maxCalls {
            return reject(503, "Too Many Calls", [SIPHeader("Retry-After", "5")])
        }
        guard let routeMatch = RouteTable(routes: live.routes).route(for: call) else {
            return reject(404, nil, [])
        }
        let route = routeMatch.route
        if let limit = route.maxCalls, activeCount(onRoute: route.name) >= limit {
            return reject(503, "Route Full", [SIPHeader("Retry-After", "5")])
        }
        let media: NegotiatedMedia
        do {
            guard let srtp = live.rtp.srtp.policy(secureSignalling: call.transport.isSecure) else { throw SIPIngressError.noCommonCodec }
            media = try OfferAnswer.negotiate(offer: call.offer, preferences: route.codecs ?? live.rtp.codecs, srtp: srtp)
        } catch {
            return reject(488, nil, [SIPHeader("Warning", Self.mediaWarning(call, live.rtp.srtp))])
        }
        guard let remote = try? SocketAddress(ipAddress: media.remoteAddress, port: media.remotePort) else {
            return reject(488, nil, [SIPHeader("Warning", "305 sipbridge \"Incompatible media format\"")])
        }
        guard
            let inbound = try? InboundTranscoder(
                codec: media.codec, format: route.stream.contentType, byteOrder: route.stream.l16InboundByteOrder)
        else {
            return reject(488, nil, [SIPHeader("Warning", "305 sipbridge \"Incompatible media format\"")])
        }
        if route.answer == .ringing { userAgent.provisional(call.id, status: 180) }
        let (clock, shared) = state.withLockedValue { state -> (MediaClock, SharedRTPSocket?) in
            state.nextLoop &+= 1
            return (clocks[state.nextLoop % clocks.count], sharedRTP?[state.nextLoop % clocks.count])
        }
        let loop = clock.eventLoop
        let options = StreamConnectOptions(
            timeout: .milliseconds(Int64(route.stream.connectTimeoutMilliseconds)), headers: route.stream.extraHeaders,
            tlsContext: route.stream.tlsContext,
            pingInterval: route.stream.pingIntervalSeconds > 0 ? .seconds(Int64(route.stream.pingIntervalSeconds)) : nil,
            mediaBacklogFrames: route.stream.maxBacklogMilliseconds / 20, dialect: route.stream.dialect)
        var liveRTP = live.rtp
        liveRTP.portRange = config.rtp.portRange  // the pool is fixed at start
        let rtpConfig = liveRTP
        let address = advertisedAddress
        loop.execute {
            var srtp: SRTPContext?
            if let keys = media.srtp {
                // The keys were checked in the offer; libsrtp2 refusing them is out of memory.
                guard let context = try? SRTPContext(profile: keys.profile, localKey: keys.localKey, remoteKey: keys.remoteKey)
                else { return reject(503, "SRTP Unavailable", [SIPHeader("Retry-After", "5")]) }
                srtp = context
            }
            let bridged = Call(
                incoming: call, route: route, media: media, inbound: inbound, remoteRTP: remote, rtpConfig: rtpConfig,
                userAgent: userAgent, clock: clock, records: self.records, metrics: self.metrics,
                callbacks: self.callbacks, routeCaptures: routeMatch.captures, logger: self.logger
            ) { [weak self] id in self?.remove(id) }
            bridged.srtp = srtp
            self.state.withLockedValue {
                $0.calls[call.id] = Handle(eventLoop: loop, call: NIOLoopBound(bridged, eventLoop: loop), callID: bridged.id, route: route.name)
            }
            self.signalCapacity()
            bridged.connect(portPool: self.portPool, shared: shared, connectOptions: options).assumeIsolated().whenComplete { result in
                switch result {
                case .success(let port):
                    guard !bridged.isEnded else { return }
                    let local = LocalSDP(
                        address: address, port: port, sessionID: UInt64.random(in: 1...UInt64(Int64.max)), version: 1,
                        offer: call.offer)
                    bridged.localSDP = local
                    let sdp = OfferAnswer.answer(
                        to: call.offer, media: media, address: address, port: port, sessionID: local.sessionID)
                    self.answer(bridged, sdp: sdp, userAgent: userAgent, offeredAt: offeredAt)
                case .failure(let error):
                    bridged.logger.info("call setup failed", metadata: ["error": "\(error)"])
                    self.state.withLockedValue { $0.rejectedCalls += 1 }
                    self.metrics.streamConnectFailed(error)
                    self.metrics.callRejected(status: 503)
                    bridged.statusCallback("DroppedStream", [("Reason", "\(error)")])
                    userAgent.reject(call.id, status: 503, reason: "Stream Unavailable", headers: [SIPHeader("Retry-After", "5")])
                    bridged.end(.setupFailed, sipAlreadyEnded: true)
                }
            }
        }
    }

    func callEnded(_ id: SessionID, reason: CallEndReason) {
        guard let handle = state.withLockedValue({ $0.calls[id] }) else { return }
        let ending: Call.EndReason =
            switch reason {
            case .remoteHangUp: .callerHungUp
            case .cancelled: .callerCancelled
            case .ackTimeout: .noAck
            case .sessionExpired: .sessionExpired
            case .localHangUp: .bridgeHungUp
            case .rejected: .setupFailed
            }
        handle.eventLoop.execute { handle.call.value.end(ending, sipAlreadyEnded: true) }
    }

    func sessionUpdated(_ id: SessionID, _ update: SessionUpdate) {
        guard let handle = state.withLockedValue({ $0.calls[id] }) else {
            if case .answer = update { return }
            let userAgent = state.withLockedValue { $0.userAgent }
            userAgent?.rejectUpdate(id, status: 481)
            return
        }
        handle.eventLoop.execute { handle.call.value.sessionUpdated(update) }
    }

    func receivedDTMF(_ id: SessionID, digit: Character, durationMilliseconds: Int) {
        guard let handle = state.withLockedValue({ $0.calls[id] }) else { return }
        handle.eventLoop.execute { handle.call.value.receivedInfoDTMF(digit: digit, durationMilliseconds: durationMilliseconds) }
    }

    // MARK: - Bookkeeping

    private func remove(_ id: SessionID) {
        _ = state.withLockedValue { $0.calls.removeValue(forKey: id) }
        signalCapacity()
    }

    /// Tells the SIP layer when the bridge becomes full or has room again (`sip.max_calls`), so
    /// OPTIONS probes (Kamailio's dispatcher) steer new calls elsewhere meanwhile.
    func signalCapacity() {
        let change = state.withLockedValue { state -> (UserAgent, Bool)? in
            let full = state.calls.count >= state.live.sip.maxCalls
            guard full != state.signalledFull, let userAgent = state.userAgent else { return nil }
            state.signalledFull = full
            return (userAgent, full)
        }
        if let (userAgent, full) = change { userAgent.setFull(full) }
    }

    /// Snapshots of every live call, each taken on its own loop.
    func snapshots() async -> [CallSnapshot] {
        let handles = state.withLockedValue { Array($0.calls.values) }
        var result: [CallSnapshot] = []
        for handle in handles {
            if let snapshot = try? await handle.eventLoop.submit({ handle.call.value.snapshot() }).get() {
                result.append(snapshot)
            }
        }
        return result.sorted { $0.startedAt < $1.startedAt }
    }

    /// Brings the Prometheus media counters up to date with every call in progress.
    func reportMetrics() async {
        let handles = state.withLockedValue { Array($0.calls.values) }
        for handle in handles {
            try? await handle.eventLoop.submit { handle.call.value.reportMetrics() }.get()
        }
    }

    /// One call's snapshot, by its `call_id`.
    func snapshot(callID: String) async -> CallSnapshot? {
        guard let handle = state.withLockedValue({ $0.calls.values.first { $0.callID == callID } }) else { return nil }
        return try? await handle.eventLoop.submit { handle.call.value.snapshot() }.get()
    }

    /// Hangs one call up (BYE, or 503 if not answered yet), by its `call_id`.
    /// - Returns: whether the call existed.
    func hangUp(callID: String) async -> Bool {
        guard let handle = state.withLockedValue({ $0.calls.values.first { $0.callID == callID } }) else { return false }
        try? await handle.eventLoop.submit { handle.call.value.end(.bridgeHungUp) }.get()
        return true
    }

    /// Ends every call (shutdown).
    func endAll() async {
        let handles = state.withLockedValue { Array($0.calls.values) }
        for handle in handles {
            try? await handle.eventLoop.submit { handle.call.value.end(.shutdown) }.get()
        }
        for socket in sharedRTP ?? [] {
            try? await socket.eventLoop.submit { socket.close() }.get()
        }
    }
}
