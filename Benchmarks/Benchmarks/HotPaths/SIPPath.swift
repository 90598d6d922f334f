import Benchmark
import NIOCore
import NIOEmbedded
import SIPIngress

/// The SIP hot path (issue 3): a typical carrier INVITE from bytes to a server transaction and
/// a session — libosip2 parse, admission, dispatch, the 100 Trying built — and the
/// application's final answer through the transaction. Runs on an embedded loop; between
/// samples its clock jumps ahead so every transaction has ended and the pool of INVITEs
/// (distinct branches and Call-IDs) is new again.
final class SIPPath: UserAgentDelegate, @unchecked Sendable {
    let loop = EmbeddedEventLoop()
    private(set) var engine: SIPEngine!
    private var offered: [SessionID] = []
    let source = try! SocketAddress(ipAddress: "198.51.100.20", port: 5060)
    let invites: [ByteBuffer]

    init(count: Int) {
        invites = (0..<count).map { ByteBuffer(string: Self.invite($0)) }
        engine = SIPEngine(eventLoop: loop, delegate: self)
    }

    /// One INVITE through the engine, answered 404 as routing does for unknown numbers.
    func handle(_ index: Int) {
        engine.receive(invites[index], from: source)
        for id in offered { engine.reject(id, status: 404) }
        offered.removeAll(keepingCapacity: true)
    }

    /// Lets every timer run out (outside the measurement).
    func reset() {
        loop.advanceTime(by: .seconds(600))
    }

    func incomingCall(_ call: IncomingCall) { offered.append(call.id) }
    func callEnded(_ id: SessionID, reason: CallEndReason) {}
    func sessionUpdated(_ id: SessionID, _ update: SessionUpdate) {}
    func receivedDTMF(_ id: SessionID, digit: Character, durationMilliseconds: Int) {}

    /// What a trunk sends: two Vias (its SBC and proxy), Record-Route, P-Asserted-Identity,
    /// Supported/Allow lists, a session timer, and an SDP offer with PCMU, PCMA, G.722 and
    /// telephone-event (about 1.1 kB).
    static func invite(_ n: Int) -> String {
        let sdp = [
            "v=0", "o=- 8342\(n) 8342\(n) IN IP4 198.51.100.20", "s=-", "c=IN IP4 198.51.100.20", "t=0 0",
            "m=audio 40\(n % 1000) RTP/AVP 0 8 9 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:9 G722/8000",
            "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=maxptime:150", "a=sendrecv",
        ].joined(separator: "\r\n") + "\r\n"
        return [
            "INVITE sip:+918045678901@203.0.113.5:5060;transport=udp SIP/2.0",
            "Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK\(n)a7f3c2e1;rport",
            "Via: SIP/2.0/UDP 198.51.100.30:5060;branch=z9hG4bK\(n)b19d;received=198.51.100.30",
            "Record-Route: <sip:198.51.100.20;lr;ftag=as\(n)>",
            "Max-Forwards: 69",
            "From: \"+14155550100\" <sip:+14155550100@198.51.100.30>;tag=as\(n)c1d2",
            "To: <sip:+918045678901@203.0.113.5>",
            "Call-ID: \(n)-5c1f09a3b7e24d61@198.51.100.30",
            "CSeq: 102 INVITE",
            "Contact: <sip:+14155550100@198.51.100.20:5060;transport=udp>",
            "P-Asserted-Identity: <sip:+14155550100@198.51.100.30>",
            "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, UPDATE, INFO, NOTIFY",
            "Supported: replaces, timer",
            "Session-Expires: 1800;refresher=uac",
            "Min-SE: 90",
            "User-Agent: CarrierSBC 4.2",
            "Content-Type: application/sdp",
            "Content-Length: \(sdp.utf8.count)",
            "",
            sdp,
        ].joined(separator: "\r\n")
    }
}

func sipBenchmarks(_ configuration: Benchmark.Configuration) {
    let box = StateBox(SIPPath(count: 1000))
    Benchmark("09a SIP INVITE parse: libosip2 + SIPMessage (1.1 kB carrier INVITE)", configuration: configuration) {
        benchmark in
        box.withState { path in
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                path.invites[index % 1000].withUnsafeReadableBytes { blackHole(try! SIPMessage(parsing: $0)) }
            }
            benchmark.stopMeasurement()
        }
    }
    let sdp = Array(SIPPath.invite(7).utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .drop { !$0.starts(with: "v=0".utf8) }.joined(separator: [UInt8(ascii: "\n")]))
    Benchmark("09b SDP offer parse: libosip2 + SessionDescription (4 formats)", configuration: configuration) {
        benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try! SessionDescription(parsing: sdp)) }
        benchmark.stopMeasurement()
    }
    Benchmark("09 SIP INVITE in: parse + dispatch + 100 + 404 (1.1 kB carrier INVITE)", configuration: configuration) {
        benchmark in
        box.withState { path in
            path.reset()
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations { path.handle(index % 1000) }
            benchmark.stopMeasurement()
        }
    }
}
