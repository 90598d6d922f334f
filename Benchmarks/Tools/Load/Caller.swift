import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The carrier side of the load test: a SIP UAC over UDP (one socket for every call) and one
/// RTP socket per call that sends a stamped 20 ms PCMU frame every 20 ms on its event loop's
/// pacer and reads the bridge's RTP back.
final class CallerFleet: Sendable {
    private let group: any EventLoopGroup
    private let measurements: Measurements
    private let bridge: SocketAddress
    private let sip: any Channel
    private let calls = NIOLockedValueBox<[String: LoadCall]>([:])
    private let pacers: [ObjectIdentifier: Pacer]
    /// Setup-rate mode: every call is hung up as soon as it is answered (no media).
    let hangUpOnAnswer: Bool

    private init(
        group: any EventLoopGroup, measurements: Measurements, bridge: SocketAddress, sip: any Channel, pacers: [ObjectIdentifier: Pacer],
        hangUpOnAnswer: Bool
    ) {
        self.group = group
        self.measurements = measurements
        self.bridge = bridge
        self.sip = sip
        self.pacers = pacers
        self.hangUpOnAnswer = hangUpOnAnswer
    }

    /// Binds the SIP socket and starts one pacer per event loop.
    static func start(
        group: any EventLoopGroup, measurements: Measurements, bridge: SocketAddress, phases: PacerPhases = .spread,
        hangUpOnAnswer: Bool = false
    ) async throws -> CallerFleet {
        let inbox = SIPInbox()
        let sip = try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(SIPHandler(inbox: inbox)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        var pacers: [ObjectIdentifier: Pacer] = [:]
        let loops = Array(group.makeIterator())
        for (number, loop) in loops.enumerated() {
            pacers[ObjectIdentifier(loop)] = Pacer(eventLoop: loop, measurements: measurements, phases: phases, loop: number, loops: loops.count)
        }
        let fleet = CallerFleet(
            group: group, measurements: measurements, bridge: bridge, sip: sip, pacers: pacers, hangUpOnAnswer: hangUpOnAnswer)
        inbox.fleet.withLockedValue { $0 = fleet }
        return fleet
    }

    var sipPort: Int { sip.localAddress?.port ?? 0 }

    /// Places call `index`: binds its RTP socket, sends the INVITE; the call starts sending RTP
    /// when the 200 OK arrives. Returns once the INVITE is out.
    func place(_ index: UInt32) async throws {
        let loop = group.next()
        let call = LoadCall(index: index, fleet: self, measurements: measurements)
        let rtp = try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_rcvbuf), value: 256 << 10)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(RTPHandler(call: call)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        calls.withLockedValue { $0[call.callID] = call }
        measurements.count { $0.callsStarted += 1 }
        try await loop.submit { call.rtp = rtp }.get()
        let invite = call.request("INVITE", cseq: 1, sdp: rtp.localAddress?.port ?? 0)
        // Stamped on the SIP socket's loop as it is written, like the 200 OK as it is read: the
        // generator's own hops between its loops are not part of INVITE → 200 OK.
        try await sip.eventLoop.submit {
            call.invitedAt = LoadClock.now
            self.sip.writeAndFlush(AddressedEnvelope(remoteAddress: self.bridge, data: self.sip.allocator.buffer(string: invite)), promise: nil)
        }.get()
    }

    /// Hangs up every answered call (BYE) and closes the RTP sockets.
    func hangUpAll() async {
        for call in calls.withLockedValue({ Array($0.values) }) {
            try? await call.rtp?.eventLoop.submit {
                self.pacers[ObjectIdentifier(call.rtp!.eventLoop)]?.remove(call)
                if call.toTag != nil { self.sendSIP(call.request("BYE", cseq: 2)) }
            }.get()
        }
        try? await Task.sleep(for: .milliseconds(500))
        for call in calls.withLockedValue({ Array($0.values) }) { try? await call.rtp?.close() }
        try? await sip.close()
    }

    var bridgeSIP: SocketAddress { bridge }

    func sendSIP(_ text: String) {
        sip.writeAndFlush(AddressedEnvelope(remoteAddress: bridge, data: sip.allocator.buffer(string: text)), promise: nil)
    }

    /// A SIP message for the call with this Call-ID arrived (on the SIP socket's loop) at
    /// `arrival` (`LoadClock`).
    func received(_ message: SIPMessageText, at arrival: UInt64) {
        guard let callID = message.callID, let call = calls.withLockedValue({ $0[callID] }), let rtp = call.rtp else { return }
        rtp.eventLoop.execute {
            switch call.received(message, at: arrival) {
            case .answered where self.hangUpOnAnswer:
                self.sendSIP(call.request("BYE", cseq: 2))
            case .answered:
                self.pacers[ObjectIdentifier(rtp.eventLoop)]?.add(call)
            case .ended:
                self.calls.withLockedValue { $0[callID] = nil }
                rtp.close(promise: nil)
            case nil:
                break
            }
        }
    }
}

/// One call of the load test. All state is touched on its RTP channel's event loop.
final class LoadCall: PacedSender, @unchecked Sendable {
    let index: UInt32
    let callID: String
    let fromTag: String
    unowned let fleet: CallerFleet
    let measurements: Measurements
    var rtp: (any Channel)?
    var remoteRTP: SocketAddress?
    var toTag: String?
    /// When the INVITE was written (`LoadClock`); set on the SIP socket's loop before the
    /// INVITE leaves, read here once its 200 OK has come back through that loop.
    var invitedAt: UInt64 = 0
    var sequence: UInt16 = 0
    var timestamp: UInt32 = 0
    var framesSent: UInt32 = 0
    var lastSent: UInt64 = 0
    let ssrc = UInt32.random(in: 1...UInt32.max)

    init(index: UInt32, fleet: CallerFleet, measurements: Measurements) {
        self.index = index
        self.callID = "load-\(index)-\(UInt32.random(in: 0...UInt32.max))"
        self.fromTag = "f\(index)"
        self.fleet = fleet
        self.measurements = measurements
    }

    /// What a SIP message did to the call.
    enum Event {
        /// The 200 OK to the INVITE arrived (and was acknowledged).
        case answered
        /// The 200 OK to the caller's BYE arrived.
        case ended
    }

    /// Handles a response or request that arrived at `arrival`.
    func received(_ message: SIPMessageText, at arrival: UInt64) -> Event? {
        if let status = message.status {
            if message.cseqMethod == .bye {
                if status == 200 { measurements.count { $0.byesAnswered += 1 } }
                return status >= 200 ? .ended : nil
            }
            guard message.cseqMethod == .invite else { return nil }
            if status == 200, toTag != nil {
                // The bridge sent its 200 again (RFC 3261 §13.3.1.4: it has not seen the ACK).
                measurements.count { $0.okRetransmissions += 1 }
                fleet.sendSIP(request("ACK", cseq: 1))
                return nil
            }
            if status == 200, toTag == nil {
                toTag = message.toTag
                guard let port = message.mediaPort, let address = try? SocketAddress(ipAddress: message.mediaAddress ?? "127.0.0.1", port: port)
                else { return nil }
                remoteRTP = address
                fleet.sendSIP(request("ACK", cseq: 1))
                measurements.record(.setup, nanoseconds: arrival &- invitedAt)
                measurements.count { $0.callsAnswered += 1 }
                return .answered
            }
            if status >= 300 {
                measurements.count { $0.callsFailed += 1 }
            }
            return nil
        }
        // A request from the bridge (a BYE): answer it; the call is over early.
        if message.requestMethod == "BYE" {
            fleet.sendSIP(message.response(200))
            measurements.count { $0.callsFailed += 1 }
            remoteRTP = nil
        }
        return nil
    }

    /// Sends the next stamped frame (called by the loop's pacer).
    func sendFrame() {
        guard let rtp, let remoteRTP else { return }
        var buffer = rtp.allocator.buffer(capacity: 172)
        buffer.writeInteger(UInt8(0x80))
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(sequence)
        buffer.writeInteger(timestamp)
        buffer.writeInteger(ssrc)
        framesSent += 1
        let now = LoadClock.now
        buffer.writeBytes(Stamp(kind: .caller, call: index, sequence: framesSent, time: now).frame())
        sequence &+= 1
        timestamp &+= 160
        rtp.writeAndFlush(AddressedEnvelope(remoteAddress: remoteRTP, data: buffer), promise: nil)
        // More than 40 ms after the previous frame (a frame plus the bridge's default
        // reorder_ms): the bridge declares this frame missing before it can arrive, through
        // no fault of its own: the generator stalled.
        let stalled = lastSent != 0 && now &- lastSent > 40_000_000
        lastSent = now
        measurements.count {
            $0.callerFramesSent += 1
            if stalled { $0.callerFramesSentStalled += 1 }
        }
    }

    /// An RTP packet from the bridge.
    func receivedRTP(_ buffer: ByteBuffer) {
        let now = LoadClock.now
        guard buffer.readableBytes > 12, let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        let headerLength = 12 + Int(first & 0x0F) * 4
        guard let payload = buffer.getBytes(at: buffer.readerIndex + headerLength, length: min(Stamp.size, buffer.readableBytes - headerLength)),
            let stamp = Stamp(payload)
        else { return measurements.count { $0.silenceFramesReceived += 1 } }
        switch stamp.kind {
        case .echo:
            measurements.record(.agentToCaller, nanoseconds: now &- stamp.time)
            measurements.count { $0.echoFramesReceived += 1 }
        case .firstAfterIdle:
            measurements.record(.firstAfterIdle, nanoseconds: now &- stamp.time)
            measurements.count { $0.echoFramesReceived += 1 }
        case .beforeClear:
            measurements.clearedFrameArrived(call: stamp.call, number: stamp.sequence, at: now)
        case .caller:
            break
        }
    }

    func request(_ method: String, cseq: Int, sdp port: Int? = nil) -> String {
        let local = fleet.sipPortText
        let bridge = fleet.bridgeSIP
        let target = "sip:load@\(bridge.ipAddress ?? "127.0.0.1"):\(bridge.port ?? 5060)"
        var body = ""
        if let port {
            body = [
                "v=0", "o=load \(index) 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0", "m=audio \(port) RTP/AVP 0",
                "a=rtpmap:0 PCMU/8000", "a=ptime:20", "a=sendrecv",
            ].joined(separator: "\r\n") + "\r\n"
        }
        return ([
            "\(method) \(target) SIP/2.0", "Via: SIP/2.0/UDP 127.0.0.1:\(local);branch=z9hG4bK\(callID)-\(method)-\(cseq);rport",
            "Max-Forwards: 70", "From: <sip:caller\(index)@127.0.0.1>;tag=\(fromTag)",
            "To: <sip:load@127.0.0.1>" + (toTag.map { ";tag=\($0)" } ?? ""), "Call-ID: \(callID)", "CSeq: \(cseq) \(method)",
            "Contact: <sip:caller\(index)@127.0.0.1:\(local)>",
        ] + (port == nil ? [] : ["Content-Type: application/sdp"]) + ["Content-Length: \(body.utf8.count)", "", body]).joined(separator: "\r\n")
    }
}

extension CallerFleet {
    var sipPortText: Int { sipPort }
}

private final class RTPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let call: LoadCall
    init(call: LoadCall) { self.call = call }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { call.receivedRTP(unwrapInboundIn(data).data) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// Lets the SIP handler reach the fleet created after the socket.
final class SIPInbox: Sendable {
    let fleet = NIOLockedValueBox<CallerFleet?>(nil)
}

private final class SIPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let inbox: SIPInbox
    init(inbox: SIPInbox) { self.inbox = inbox }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let arrival = LoadClock.now
        let message = SIPMessageText(unwrapInboundIn(data).data)
        inbox.fleet.withLockedValue { $0 }?.received(message, at: arrival)
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
