import Foundation
import Logging
import NIOCore
import RTPMedia
import SIPIngress
import Transcode
import WSEgress

/// One bridged call: a SIP session, an RTP port pair and a WebSocket stream, owned by one
/// event loop (ARCHITECTURE "One call, one owner"). Every method runs on `eventLoop`.
final class Call {
    /// Why the call ended, for logs and records.
    enum EndReason: String, Sendable, CaseIterable {
        case callerHungUp = "caller hung up"
        case callerCancelled = "caller cancelled"
        case noAck = "no ACK"
        case sessionExpired = "session timer expired"
        case streamStopped = "AI server sent stop"
        case streamClosed = "AI server closed the stream"
        case streamTimeout = "stream_timeout_s reached"
        case mediaTimeout = "no RTP for rtp.timeout_s"
        case setupFailed = "setup failed"
        case bridgeHungUp = "bridge hung up"
        case shutdown = "shutdown"
    }

    private enum State {
        /// Binding RTP and connecting the stream.
        case connecting
        /// The stream is up; the 200 OK has been sent.
        case active
        case ended(EndReason)
    }

    let id: String
    let sessionID: SessionID
    let incoming: IncomingCall
    let route: BridgeConfig.Route
    /// The route regexes' named groups, for the stream URL template.
    let routeCaptures: [String: String]
    /// What this call has added to the Prometheus media counters.
    var reportedCounters = MediaCounters()
    /// The caller's level as streamed to the AI server, and the AI's as played to the caller
    /// (the dashboard's meters).
    var levelIn = PeakMeter()
    var levelOut = PeakMeter()
    var media: NegotiatedMedia
    /// The SDP the bridge answered with: `o=` identity and version (RFC 4566 §5.2), bumped on
    /// every new answer or offer (RFC 3264 §8), and the offer it answered.
    var localSDP: LocalSDP?
    let eventLoop: any EventLoop
    let startedAt = Date()
    var logger: Logger

    private var state = State.connecting
    let rtpConfig: BridgeConfig.RTP
    let userAgent: UserAgent
    private let onEnd: @Sendable (SessionID) -> Void
    let records: CallRecordWriter?
    let metrics: BridgeMetrics?
    /// Status callbacks (`stream.status_callback_url`).
    let callbacks: StatusCallbackSender?
    /// `stream.parameters` with the placeholders filled in (for `X-VH-*` callback fields).
    let streamParameters: [(name: String, value: String)]
    /// When the 200 OK went out.
    var answeredAt: Date?
    var streamSession: StreamSession
    var rtp: RTPTransport?
    /// SRTP keys and state when the caller's leg is `RTP/SAVP` (RFC 3711, keyed by RFC 4568).
    var srtp: SRTPContext? {
        didSet { stats.srtp = srtp?.profile.rawValue }
    }
    var stream: StreamConnection?
    /// Where RTP goes: the SDP address until the caller's first packet latches its source.
    var remoteRTPAddress: SocketAddress {
        didSet { remoteRTPUnspecified = remoteRTPAddress.ipAddress == "0.0.0.0" }
    }
    /// `remoteRTPAddress` is `0.0.0.0` (RFC 2543 hold). Kept beside the address: its text
    /// (`inet_ntop`, which formats with `sprintf`) cost a string per frame in `sendsMedia`.
    var remoteRTPUnspecified: Bool
    var latchedSource: SocketAddress?
    var ssrc: UInt32?
    var lastRTPArrival = NIODeadline.now()
    var jitterBuffer: InboundJitterBuffer
    var reception: ReceptionStatistics
    /// Caller → AI audio: decode, conceal, resample and encode in the stream's format.
    var inbound: InboundTranscoder
    /// AI → caller audio: `playAudio` in any format into the queue, queue frames into RTP.
    var outbound: OutboundTranscoder
    /// What the caller hears, in the stream's format, for `audio_track` outbound/both.
    var outboundTrack: InboundTranscoder?
    /// Reused for transcoded stream bytes and G.722 queue frames.
    var scratch: [UInt8] = []
    var frameScratch = ByteBuffer()
    /// The last RTP packet sent: its storage holds the next one once the socket has sent it.
    var spentPacket = SpentBuffer()
    /// The last `scratch` handed on as a buffer (`scratchBuffer()`).
    var spentScratch = SpentBuffer()
    var dtmf = DTMFDetector()
    /// Key presses towards the caller (RFC 4733), requested by the AI server's `sendDTMF`.
    var dtmfOut = TelephoneEventSender()
    /// Whether the previous slot carried a telephone-event (the next audio starts a talk-spurt).
    var lastSlotWasEvent = false
    /// Whether the previous slot went out with AI audio (the next audio continues its talk-spurt).
    var previousSlotHadAudio = false
    /// How streams are opened (kept for reconnecting).
    var connectOptions: StreamConnectOptions?
    /// Reconnect attempts since the stream was last up (`reconnect_max_retries`).
    var reconnectAttempts = 0
    /// `drain_on_stop`: the AI server sent `stop`; the queue plays out, then the call ends.
    var drainingAfterStop = false
    /// When the playout queue last ran dry after audio (for `playoutUnderruns`).
    var queueRanDryAt: NIODeadline?
    /// Whether a frame slot went out without AI audio since the queue ran dry: only then did the
    /// caller hear a gap (audio that arrives before the next slot is no underrun).
    var playoutStarved = false
    /// Reused for every packet so the inbound path does not allocate an array per frame.
    var bufferOutputs: [InboundJitterBuffer.Output] = []
    var mediaTimeoutTask: Scheduled<Void>?
    var rtcp: RTCPReporter
    var rtcpTask: Scheduled<Void>?
    var framer: InboundFramer
    var playout: PlayoutQueue
    var sender: RTPSender
    var pacer: Pacer?
    /// The loop's 5 ms clock: it runs the pacer and the reorder buffer's deadlines.
    let clock: MediaClock
    private var timeoutTask: Scheduled<Void>?
    var stats = MediaStats()

    init(
        incoming: IncomingCall, route: BridgeConfig.Route, media: NegotiatedMedia, inbound: InboundTranscoder,
        remoteRTP: SocketAddress, rtpConfig: BridgeConfig.RTP, userAgent: UserAgent, clock: MediaClock,
        records: CallRecordWriter? = nil, metrics: BridgeMetrics? = nil, callbacks: StatusCallbackSender? = nil,
        routeCaptures: [String: String] = [:], logger: Logger, onEnd: @escaping @Sendable (SessionID) -> Void
    ) {
        let id = EntropyPool.current.uuid().uuidString.lowercased()
        self.routeCaptures = routeCaptures
        self.callbacks = callbacks
        self.id = id
        self.sessionID = incoming.id
        self.incoming = incoming
        self.route = route
        self.media = media
        self.remoteRTPAddress = remoteRTP
        self.remoteRTPUnspecified = remoteRTP.ipAddress == "0.0.0.0"
        self.rtpConfig = rtpConfig
        self.userAgent = userAgent
        self.eventLoop = clock.eventLoop
        self.clock = clock
        self.onEnd = onEnd
        self.records = records
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "call.id"] = "\(id)"
        logger[metadataKey: "sip.call_id"] = "\(incoming.sipCallID)"
        self.logger = logger
        let streamID = EntropyPool.current.uuid().uuidString.lowercased()
        let identity = StreamIdentity(
            callID: id, streamID: streamID, fromUser: incoming.fromUser ?? "",
            toUser: incoming.toUser ?? incoming.requestUser ?? "", captures: routeCaptures)
        streamParameters = route.stream.parameters.map { ($0.name, URLTemplate($0.value).fill(identity)) }
        let start = StreamStart(
            sequenceNumber: 1, callId: id, streamId: streamID, accountId: route.stream.accountID,
            tracks: route.stream.tracks, mediaFormat: route.stream.contentType,
            extraHeaders: route.stream.startParameters(identity))
        streamSession = StreamSession(
            start: start, startEpochMilliseconds: Int(Date().timeIntervalSince1970 * 1000), dialect: route.stream.dialect)
        framer = InboundFramer(frameSize: route.stream.contentType.bytesPer20ms)
        self.inbound = inbound
        if route.stream.tracks.contains(.outbound) {
            outboundTrack = try? InboundTranscoder(
                codec: media.codec, format: route.stream.contentType, byteOrder: route.stream.l16InboundByteOrder)
        }
        outbound = OutboundTranscoder(codec: media.codec, byteOrder: route.stream.l16OutboundByteOrder)
        playout = PlayoutQueue(maximumBytes: outbound.queueFrameBytes * 50 * rtpConfig.maxQueuedSeconds)
        // RFC 3550 §5.1: random initial values, from the loop's pool (not a system call each).
        var random = EntropyPool.current
        sender = RTPSender(
            payloadType: media.payloadType, samplesPerFrame: UInt32(media.codec.bytesPer20ms),
            ssrc: .random(in: 1...UInt32.max, using: &random), sequenceNumber: .random(in: 0...UInt16.max, using: &random),
            timestamp: .random(in: 0...UInt32.max, using: &random))
        var buffer = InboundJitterBuffer.Configuration()
        buffer.clockRate = media.codec.clockRate
        buffer.frameUnits = media.codec.bytesPer20ms
        buffer.reorderWindow = .milliseconds(Int64(rtpConfig.reorderMilliseconds))
        jitterBuffer = InboundJitterBuffer(configuration: buffer)
        reception = ReceptionStatistics(clockRate: media.codec.clockRate)
        rtcp = RTCPReporter(ssrc: sender.ssrc, cname: "sipbridge-\(id.prefix(8))")
        bufferOutputs.reserveCapacity(8)
    }

    var isEnded: Bool {
        if case .ended = state { return true }
        return false
    }

    var isActive: Bool {
        if case .active = state { return true }
        return false
    }

    // MARK: - Setup

    /// Binds the RTP port pair, opens the stream and sends `start` (spec §2: at once, without
    /// waiting for the server). Succeeds with the local RTP port for the SDP answer. With a
    /// `shared` socket (`rtp.sockets: per_loop`) the call takes a lane of it instead of a pair.
    func connect(portPool: RTPPortPool, shared: SharedRTPSocket?, connectOptions: StreamConnectOptions) -> EventLoopFuture<Int> {
        self.connectOptions = connectOptions
        let url: WebSocketURL
        do {
            url = try streamURL()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let transport =
            shared.map {
                RTPTransport.open(shared: $0, remote: remoteRTPAddress, host: rtpConfig.address, pool: portPool, receiver: self)
            } ?? RTPTransport.bind(host: rtpConfig.address, pool: portPool, eventLoop: eventLoop, receiver: self)
        return transport.assumeIsolated()
            .flatMap { transport in
                self.rtp = transport
                return StreamConnection.connect(to: url, options: connectOptions, eventLoop: self.eventLoop, delegate: self)
            }
            .flatMapThrowing { connection in
                guard case .connecting = self.state else {
                    // CANCEL or BYE arrived while connecting: the stream is not wanted any more.
                    connection.close()
                    throw StreamConnectError("call ended during setup")
                }
                self.stream = connection
                self.sendStart(on: connection)
                return self.rtp!.port
            }
            .nonisolated()
    }

    /// The route's URL template expanded for the current stream.
    func streamURL() throws(StreamConnectError) -> WebSocketURL {
        let identity = StreamIdentity(
            callID: id, streamID: streamSession.streamId, fromUser: incoming.fromUser ?? "",
            toUser: incoming.toUser ?? incoming.requestUser ?? "", captures: routeCaptures)
        let urlText = URLTemplate(route.stream.url).expand(identity)
        guard let url = WebSocketURL(urlText) else { throw StreamConnectError("bad stream URL \(urlText)") }
        return url
    }

    /// The 200 OK went out: start playout towards the caller and the stream timer.
    func answered() {
        guard case .connecting = state else { return }
        state = .active
        answeredAt = Date()
        let now = NIODeadline.now()
        // Frames fall due on the clock's ticks, so they go out when a tick runs.
        pacer = Pacer(start: clock.tick(atOrAfter: now), earlyTolerance: clock.resolution, lateTolerance: clock.resolution)
        timeoutTask = eventLoop.assumeIsolated().scheduleTask(in: .seconds(Int64(route.stream.streamTimeoutSeconds))) {
            self.end(.streamTimeout)
        }
        lastRTPArrival = now
        scheduleMediaTimeout()
        // The stream gets a frame every 20 ms from the answer on, RTP or not (spec §3.2).
        jitterBuffer.startClock(at: now)
        clock.add(self)
        scheduleRTCP()
        logger.info(
            "call answered",
            metadata: ["route": "\(route.name)", "codec": "\(media.codec)", "rtp.local_port": "\(rtp?.port ?? 0)"])
    }

    // MARK: - Teardown

    /// Ends the call once: closes the stream (1000, no `stop`, spec §5.4), releases the RTP
    /// ports and, unless the SIP side already ended, hangs up (BYE, or a 503 before answer).
    func end(_ reason: EndReason, sipAlreadyEnded: Bool = false) {
        if case .ended = state { return }
        let wasActive = isActive
        state = .ended(reason)
        clock.remove(self)
        timeoutTask?.cancel()
        mediaTimeoutTask?.cancel()
        rtcpTask?.cancel()
        if stream != nil || reason == .streamStopped { statusCallback("StopStream", [("Reason", reason.rawValue)]) }
        if route.stream.sendStopOnHangup, reason == .callerHungUp || reason == .callerCancelled, let stream {
            var buffer = stream.messageBuffer(capacity: 160)
            streamSession.writeStop(reason: reason.rawValue, into: &buffer)
            stream.send(text: consume buffer)
        }
        stream?.close()
        rtp?.close()
        if !sipAlreadyEnded {
            userAgent.hangUp(sessionID, status: wasActive ? 480 : 503, headers: [Self.reasonHeader(for: reason)])
        }
        updateQualityEstimate()
        logger.info(
            "call ended",
            metadata: [
                "reason": "\(reason.rawValue)", "rtp.packets_in": "\(stats.packetsIn)",
                "rtp.packets_out": "\(stats.packetsOut)", "rtp.lost": "\(stats.lost)", "rtp.late": "\(stats.late)",
                "rtp.jitter_ms": "\(stats.jitterMilliseconds)", "rtp.rtt_ms": "\(stats.roundTripMilliseconds.map { "\($0)" } ?? "-")",
                "mos": "\(stats.mos.map { "\($0)" } ?? "-")", "playout.underruns": "\(stats.playoutUnderruns)",
                "ws.media_sent": "\(stats.mediaSent)", "dtmf.in": "\(stats.dtmfDigits)", "dtmf.out": "\(stats.dtmfDigitsSent)",
            ])
        if let metrics {
            metrics.add(&reportedCounters, stats)
            metrics.callEnded(reason, stats)
        }
        writeRecord(reason)
        onEnd(sessionID)
    }

    /// RFC 3326 `Reason` for the bridge's BYE, with a Q.850 cause the carrier's CDRs understand.
    static func reasonHeader(for reason: EndReason) -> SIPHeader {
        let cause =
            switch reason {
            case .mediaTimeout, .streamTimeout: 102  // recovery on timer expiry
            case .setupFailed, .streamClosed: 41  // temporary failure
            case .shutdown: 42  // switching equipment congestion
            default: 16  // normal call clearing
            }
        return SIPHeader("Reason", "Q.850;cause=\(cause);text=\"\(reason.rawValue)\"")
    }

    /// Ends the call when no RTP has arrived for `rtp.timeout_s` (0 = never). A caller on hold
    /// (its SDP says `recvonly` or `inactive`, so the bridge answered `sendonly` or `inactive`:
    /// it sends no RTP, RFC 3264 §5.1, §6.1) is exempt.
    func scheduleMediaTimeout() {
        guard rtpConfig.timeoutSeconds > 0, media.direction != .sendonly, media.direction != .inactive else { return }
        let deadline = lastRTPArrival + .seconds(Int64(rtpConfig.timeoutSeconds))
        mediaTimeoutTask = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            guard self.isActive else { return }
            if NIODeadline.now() >= self.lastRTPArrival + .seconds(Int64(self.rtpConfig.timeoutSeconds)) {
                self.logger.info("no RTP from the caller", metadata: ["rtp.timeout_s": "\(self.rtpConfig.timeoutSeconds)"])
                self.end(.mediaTimeout)
            } else {
                self.scheduleMediaTimeout()
            }
        }
    }

    // MARK: - Pacer (AI → caller)

    /// Sends the frames due by `now` (the loop's clock ticked); after a stall of more than
    /// five frames the oldest slots are skipped, not burst (`Pacer.maximumBurst`). While the
    /// AI's audio flows and the queue is empty, a slot waits one more tick for its frame
    /// (`Pacer.tick(now:awaitingAudio:)`).
    func paceFrames(now: NIODeadline) {
        guard var pacer, now >= pacer.nextDeadline else { return }
        let tick = pacer.tick(now: now, awaitingAudio: previousSlotHadAudio && playout.queuedBytes == 0)
        guard tick.due > 0 || tick.skipped > 0 else { return }
        self.pacer = pacer
        if tick.skipped > 0 {
            previousSlotHadAudio = false
            sender.skip(frames: tick.skipped)
            stats.framesSkipped += tick.skipped
        }
        for _ in 0..<tick.due { sendFrame() }
        stream?.flush()
    }
}

extension Call: MediaClockClient {
    /// The loop's clock ticked: AI audio is paced out; a passed reorder deadline waits for
    /// the loop to read its sockets (the caller's packet may be waiting there).
    func mediaClockTicked(now: NIODeadline) -> Bool {
        guard isActive else { return false }
        paceFrames(now: now)
        guard isActive, let deadline = jitterBuffer.nextDeadline else { return false }
        return now >= deadline
    }

    /// The loop has read its sockets since the tick: missing caller audio is declared.
    func mediaClockSettled(now: NIODeadline) {
        guard isActive, let deadline = jitterBuffer.nextDeadline, now >= deadline else { return }
        inboundDeadlinePassed(now: now)
    }
}
