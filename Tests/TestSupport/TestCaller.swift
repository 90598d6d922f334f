import Foundation
public import NIOCore

/// A minimal SIP user agent client with its own RTP socket, for tests that must script a
/// call step by step (send audio at chosen moments, wait for the bridge's BYE) where sipp's
/// scenarios are too coarse. It speaks plain RFC 3261 text over loopback UDP.
public final class TestCaller: Sendable {
    /// The SIP socket.
    public let sip: UDPEndpoint
    /// The RTP socket (advertised in the SDP offer), on an even port.
    public let rtp: UDPEndpoint
    /// The RTCP socket on the next port (RFC 3550 §11).
    public let rtcp: UDPEndpoint
    private let bridgePort: Int
    private let callID = UUID().uuidString
    private let fromTag = String(UInt32.random(in: 1...UInt32.max), radix: 16)
    private let dialog = LockedBox<(toTag: String?, remoteRTPPort: Int?)>((nil, nil))
    private let cseqCounter = LockedBox(1)

    /// Creates a caller aimed at the bridge's SIP port.
    public init(bridgePort: Int, group: any EventLoopGroup) async throws {
        self.bridgePort = bridgePort
        self.sip = try await UDPEndpoint.bind(group: group)
        (self.rtp, self.rtcp) = try await Self.bindPair(group: group)
    }

    /// The RTP port the bridge answered with.
    public var bridgeRTPPort: Int? { dialog.value.remoteRTPPort }

    /// Sends an INVITE offering `payloadType` (0 PCMU, 8 PCMA) and waits for the final
    /// response; a 2xx is acknowledged. Returns the final status code.
    /// `telephoneEvent: false` offers no RFC 4733 telephone-event; `direction` is the offer's
    /// `a=` direction attribute (`inactive` or `recvonly` for a call put on hold at once);
    /// `headers` are extra header lines (`"X-Tenant: acme"`).
    public func invite(
        user: String = "test", payloadType: Int = 0, telephoneEvent: Bool = true, direction: String = "sendrecv",
        headers: [String] = [], timeout: Duration = .seconds(10)
    ) async throws -> Int {
        let sdp = offer(payloadType: payloadType, telephoneEvent: telephoneEvent, direction: direction)
        let invite = request("INVITE", cseq: 1, to: "<sip:\(user)@127.0.0.1>", body: sdp, user: user, headers: headers)
        let response = try await transact(
            invite, timeout: timeout, what: "a final response to INVITE",
            retransmitting: { self.responses(to: "INVITE").isEmpty }
        ) {
            self.responses(to: "INVITE").first { ($0.status ?? 0) >= 200 }
        }
        guard let status = response.status else { return 0 }
        if (200..<300).contains(status) {
            let tag = response.header("To").flatMap { $0.components(separatedBy: "tag=").last?.components(separatedBy: ";").first }
            let port = response.body.components(separatedBy: "\r\n").first { $0.hasPrefix("m=audio ") }
                .flatMap { Int($0.split(separator: " ")[1]) }
            dialog.value = (tag, port)
            try await send(request("ACK", cseq: 1, to: "<sip:\(user)@127.0.0.1>;tag=\(tag ?? "")", user: user))
        }
        return status
    }

    /// Sends a re-INVITE inside the dialog (RFC 3261 §14.1) offering `direction` (`sendonly`
    /// or `inactive` puts the call on hold, `sendrecv` resumes; `nil` sends no offer) and
    /// waits for its final response; a 2xx is acknowledged, with `ackBody` as the answer.
    public func reinvite(
        direction: String?, payloadType: Int = 0, ackBody: String = "", user: String = "test",
        timeout: Duration = .seconds(10)
    ) async throws -> SIPText {
        let cseq = nextCSeq()
        let tag = dialog.value.toTag ?? ""
        let body = direction.map { offer(payloadType: payloadType, telephoneEvent: true, direction: $0, version: cseq) } ?? ""
        let reinvite = request("INVITE", cseq: cseq, to: "<sip:\(user)@127.0.0.1>;tag=\(tag)", body: body, user: user)
        let response = try await transact(
            reinvite, timeout: timeout, what: "a final response to re-INVITE \(cseq)",
            retransmitting: { !self.messages.contains { $0.header("CSeq") == "\(cseq) INVITE" && $0.status != nil } }
        ) {
            self.messages.first { $0.header("CSeq") == "\(cseq) INVITE" && ($0.status ?? 0) >= 200 }
        }
        if (200..<300).contains(response.status ?? 0) {
            try await send(request("ACK", cseq: cseq, to: "<sip:\(user)@127.0.0.1>;tag=\(tag)", body: ackBody, user: user))
        }
        return response
    }

    /// Sends an in-dialog request other than INVITE (UPDATE, INFO) and returns its final status.
    public func inDialog(
        _ method: String, contentType: String? = nil, body: String = "", user: String = "test", timeout: Duration = .seconds(10)
    ) async throws -> SIPText {
        let cseq = nextCSeq()
        let tag = dialog.value.toTag ?? ""
        let text = request(method, cseq: cseq, to: "<sip:\(user)@127.0.0.1>;tag=\(tag)", body: body, contentType: contentType, user: user)
        return try await transact(text, timeout: timeout, what: "a final response to \(method) \(cseq)") {
            self.messages.first { $0.header("CSeq") == "\(cseq) \(method)" && ($0.status ?? 0) >= 200 }
        }
    }

    /// The caller's SDP offer.
    public func offer(payloadType: Int = 0, telephoneEvent: Bool = true, direction: String, version: Int = 1) -> String {
        let codec = payloadType == 8 ? "PCMA" : "PCMU"
        let events = telephoneEvent ? ["a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"] : []
        return ([
            "v=0", "o=caller 1 \(version) IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
            "m=audio \(rtp.port) RTP/AVP \(payloadType)\(telephoneEvent ? " 101" : "")", "a=rtpmap:\(payloadType) \(codec)/8000",
        ] + events + ["a=ptime:20", "a=\(direction)"]).joined(separator: "\r\n") + "\r\n"
    }

    private func nextCSeq() -> Int {
        cseqCounter.update { value in
            value += 1
            return value
        }
    }

    /// Sends an out-of-dialog OPTIONS (a proxy's health probe) and returns the response.
    public func options(user: String = "test", timeout: Duration = .seconds(10)) async throws -> SIPText {
        let cseq = Int.random(in: 100...10_000)
        let text = request("OPTIONS", cseq: cseq, to: "<sip:\(user)@127.0.0.1>", user: user)
        return try await transact(text, timeout: timeout, what: "a response to OPTIONS") {
            self.responses(to: "OPTIONS").first { $0.header("CSeq")?.hasPrefix("\(cseq) ") == true }
        }
    }

    /// Sends BYE and waits for its final response.
    public func bye(user: String = "test", timeout: Duration = .seconds(10)) async throws -> Int {
        let tag = dialog.value.toTag ?? ""
        let text = request("BYE", cseq: nextCSeq(), to: "<sip:\(user)@127.0.0.1>;tag=\(tag)", user: user)
        let response = try await transact(text, timeout: timeout, what: "a response to BYE") {
            self.responses(to: "BYE").first { ($0.status ?? 0) >= 200 }
        }
        return response.status ?? 0
    }

    /// Waits for the bridge's BYE and answers it 200.
    public func waitForBye(timeout: Duration = .seconds(10)) async throws {
        let bye = try await poll(timeout: timeout, what: "a BYE from the bridge") {
            self.messages.first { $0.startLine.hasPrefix("BYE ") }
        }
        var lines = ["SIP/2.0 200 OK"]
        for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
            lines += bye.headers(name).map { "\(name): \($0)" }
        }
        lines.append("Content-Length: 0")
        try await send(lines.joined(separator: "\r\n") + "\r\n\r\n")
    }

    /// Sends one RTP packet to the bridge's RTP port, from the caller's RTP socket or `socket`.
    public func sendRTP(
        payload: [UInt8], payloadType: UInt8, sequence: UInt16, timestamp: UInt32, marker: Bool = false,
        from socket: UDPEndpoint? = nil
    ) async throws {
        guard let port = bridgeRTPPort else { throw TestFailure("no RTP port in the answer") }
        let packet = Self.rtpPacket(payload: payload, payloadType: payloadType, sequence: sequence, timestamp: timestamp, marker: marker)
        try await (socket ?? rtp).send(packet, toPort: port)
    }

    /// Sends `payloads` as consecutive packets (sequence numbers 0, 1, …; each timestamp the one
    /// before plus that packet's payload length, one unit per byte as for G.711) in one burst:
    /// nothing of this test's own scheduling falls between them.
    public func sendRTPBurst(payloads: [[UInt8]], payloadType: UInt8) async throws {
        guard let port = bridgeRTPPort else { throw TestFailure("no RTP port in the answer") }
        var timestamp: UInt32 = 0
        let packets = payloads.enumerated().map { index, payload in
            defer { timestamp &+= UInt32(payload.count) }
            return Self.rtpPacket(payload: payload, payloadType: payloadType, sequence: UInt16(index), timestamp: timestamp, marker: false)
        }
        try await rtp.send(burst: packets, toPort: port)
    }

    /// An RTP packet (RFC 3550 §5.1) with the test caller's SSRC.
    private static func rtpPacket(payload: [UInt8], payloadType: UInt8, sequence: UInt16, timestamp: UInt32, marker: Bool) -> [UInt8] {
        var packet: [UInt8] = [0x80, (marker ? 0x80 : 0) | payloadType]
        packet += withUnsafeBytes(of: sequence.bigEndian, Array.init)
        packet += withUnsafeBytes(of: timestamp.bigEndian, Array.init)
        packet += withUnsafeBytes(of: UInt32(0x1234_5678).bigEndian, Array.init)
        return packet + payload
    }

    /// Every SIP message received, parsed.
    public var messages: [SIPText] { sip.datagrams.map { SIPText(String(decoding: $0.bytes, as: UTF8.self)) } }

    /// Responses whose CSeq method is `method`.
    public func responses(to method: String) -> [SIPText] {
        messages.filter { $0.status != nil && ($0.header("CSeq")?.hasSuffix(method) ?? false) }
    }

    /// RTP packets received from the bridge, in arrival order.
    public var receivedRTP:
        [(time: ContinuousClock.Instant, payloadType: UInt8, sequence: UInt16, payload: [UInt8], timestamp: UInt32, marker: Bool)]
    {
        rtp.datagrams.compactMap { datagram in
            let bytes = datagram.bytes
            guard bytes.count >= 12, bytes[0] >> 6 == 2 else { return nil }
            let headerLength = 12 + 4 * Int(bytes[0] & 0x0F)
            let timestamp = bytes[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return (
                datagram.time, bytes[1] & 0x7F, UInt16(bytes[2]) << 8 | UInt16(bytes[3]), Array(bytes[headerLength...]),
                timestamp, bytes[1] & 0x80 != 0
            )
        }
    }

    /// Closes the sockets.
    public func close() async {
        await sip.close()
        await rtp.close()
        await rtcp.close()
    }

    /// Binds an even/odd port pair in 44000-48999 (clear of the sipp tests' ports; bounded attempts).
    private static func bindPair(group: any EventLoopGroup) async throws -> (UDPEndpoint, UDPEndpoint) {
        for _ in 0..<50 {
            let port = Int.random(in: 22_000...24_499) * 2
            guard let rtp = try? await UDPEndpoint.bind(port: port, group: group) else { continue }
            if let rtcp = try? await UDPEndpoint.bind(port: port + 1, group: group) { return (rtp, rtcp) }
            await rtp.close()
        }
        throw TestFailure("no free RTP/RTCP port pair")
    }

    private func request(
        _ method: String, cseq: Int, to: String, body: String = "", contentType: String? = nil, user: String,
        headers: [String] = []
    ) -> String {
        var lines = [
            "\(method) sip:\(user)@127.0.0.1:\(bridgePort) SIP/2.0",
            "Via: SIP/2.0/UDP 127.0.0.1:\(sip.port);branch=z9hG4bK\(method.lowercased())\(UInt32.random(in: 1...UInt32.max));rport",
            "Max-Forwards: 70", "From: <sip:caller@127.0.0.1>;tag=\(fromTag)", "To: \(to)",
            "Call-ID: \(callID)", "CSeq: \(cseq) \(method)", "Contact: <sip:caller@127.0.0.1:\(sip.port)>",
        ] + headers
        if !body.isEmpty { lines.append("Content-Type: \(contentType ?? "application/sdp")") }
        lines.append("Content-Length: \(body.utf8.count)")
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// Sends a request and waits until `answer` finds its response, retransmitting the request
    /// as a UAC's client transaction does over UDP (`RetransmissionTimer`) for as long as
    /// `retransmitting` says (an INVITE stops at its first response, a non-INVITE request at its
    /// final one) and `timeout` has not passed. A bridge that never answers still fails the test.
    private func transact<T: Sendable>(
        _ text: String, timeout: Duration, what: String, retransmitting: (@Sendable () -> Bool)? = nil,
        _ answer: @escaping @Sendable () -> T?
    ) async throws -> T {
        try await send(text)
        let timer = LockedBox(RetransmissionTimer())
        return try await poll(timeout: timeout, what: what) {
            if let value = answer() { return value }
            let now = ContinuousClock.now
            if timer.update({ $0.fires(at: now) }), retransmitting?() ?? true { try await self.send(text) }
            return nil
        }
    }

    private func send(_ text: String) async throws {
        try await sip.send(Array(text.utf8), toPort: bridgePort)
    }
}

/// A SIP message as text with just enough parsing for assertions.
public struct SIPText: Sendable {
    public let text: String

    public init(_ text: String) { self.text = text }

    public var startLine: String { text.components(separatedBy: "\r\n").first ?? "" }

    /// The status code of a response.
    public var status: Int? {
        guard startLine.hasPrefix("SIP/2.0 ") else { return nil }
        return Int(startLine.split(separator: " ")[1])
    }

    /// Values of a header (long name, case-insensitive).
    public func headers(_ name: String) -> [String] {
        let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
        return head.components(separatedBy: "\r\n").dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":"),
                line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased()
            else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    public func header(_ name: String) -> String? { headers(name).first }

    /// The body.
    public var body: String {
        guard let range = text.range(of: "\r\n\r\n") else { return "" }
        return String(text[range.upperBound...])
    }
}

/// A value behind a lock, for test helpers.
public final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) { stored = value }

    public var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    /// Changes the value and returns a result, atomically.
    public func update<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.withLock { body(&stored) }
    }
}
