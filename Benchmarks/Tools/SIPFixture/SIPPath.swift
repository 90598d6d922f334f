public import NIOCore
public import NIOEmbedded
public import SIPIngress
import WSEgress

/// The SIP hot path (issue 3): a typical carrier INVITE from bytes to a server transaction and
/// a session — libosip2 parse, admission, dispatch, the 100 Trying built — and the
/// application's final answer through the transaction. Runs on an embedded loop; between
/// samples its clock jumps ahead so every transaction has ended and the pool of INVITEs
/// (distinct branches and Call-IDs) is new again.
public final class SIPPath: UserAgentDelegate, @unchecked Sendable {
    public let loop = EmbeddedEventLoop()
    public private(set) var engine: SIPEngine!
    private var offered: [SessionID] = []
    public let source = try! SocketAddress(ipAddress: "198.51.100.20", port: 5060)
    public let invites: [ByteBuffer]

    public init(count: Int) {
        invites = (0..<count).map { ByteBuffer(string: Self.invite($0)) }
        engine = SIPEngine(eventLoop: loop, delegate: self, random: EntropyPool())
    }

    /// One INVITE through the engine, answered 404 as routing does for unknown numbers.
    public func handle(_ index: Int) {
        engine.receive(invites[index], from: source)
        for id in offered { engine.reject(id, status: 404) }
        offered.removeAll(keepingCapacity: true)
    }

    /// Lets every timer run out (outside the measurement).
    public func reset() {
        loop.advanceTime(by: .seconds(600))
    }

    public func incomingCall(_ call: IncomingCall) { offered.append(call.id) }
    public func callEnded(_ id: SessionID, reason: CallEndReason) {}
    public func sessionUpdated(_ id: SessionID, _ update: SessionUpdate) {}
    public func receivedDTMF(_ id: SessionID, digit: Character, durationMilliseconds: Int) {}

    /// What a trunk sends: two Vias (its SBC and proxy), Record-Route, P-Asserted-Identity,
    /// Supported/Allow lists, a session timer, and an SDP offer with PCMU, PCMA, G.722 and
    /// telephone-event (about 1.1 kB).
    public static func invite(_ n: Int) -> String {
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
