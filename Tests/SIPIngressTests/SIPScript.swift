@testable import SIPIngress

/// The requests a scripted caller sends in the loopback tests (RFC 3261 §8.1.1, §17.1.1.3).
/// Each call has its own Call-ID and From tag; the top Via names the caller's real socket
/// with `rport` (RFC 3581), so responses come back to it.
struct SIPScript {
    let callID: String
    let fromTag: String
    let callerPort: Int

    init(callID: String = "call-\(UInt32.random(in: 0...UInt32.max))@127.0.0.1", fromTag: String = "caller1", callerPort: Int) {
        self.callID = callID
        self.fromTag = fromTag
        self.callerPort = callerPort
    }

    static let offer = [
        "v=0", "o=caller 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
        "m=audio 40000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=sendrecv",
    ].joined(separator: "\r\n") + "\r\n"

    private func headers(
        _ method: String, uri: String = "sip:+15550100@127.0.0.1", branch: String, cseq: Int,
        cseqMethod: String? = nil, toTag: String? = nil
    ) -> [String] {
        [
            "\(method) \(uri) SIP/2.0",
            "Via: SIP/2.0/UDP 127.0.0.1:\(callerPort);branch=\(branch);rport",
            "Max-Forwards: 70",
            "From: \"Caller\" <sip:alice@127.0.0.1>;tag=\(fromTag)",
            "To: <sip:+15550100@127.0.0.1>" + (toTag.map { ";tag=\($0)" } ?? ""),
            "Call-ID: \(callID)",
            "CSeq: \(cseq) \(cseqMethod ?? method)",
        ]
    }

    func invite(branch: String, extra: [String] = [], body: String = offer) -> String {
        TestMessages.text(
            headers("INVITE", branch: branch, cseq: 1) + ["Contact: <sip:alice@127.0.0.1:\(callerPort)>"] + extra
                + ["Content-Type: application/sdp"], body: body)
    }

    /// ACK for a 2xx is its own transaction (new branch); for a non-2xx it reuses the INVITE's.
    func ack(branch: String, toTag: String?) -> String {
        TestMessages.text(headers("ACK", branch: branch, cseq: 1, toTag: toTag))
    }

    /// CANCEL shares the INVITE's branch and CSeq number (RFC 3261 §9.1).
    func cancel(branch: String) -> String {
        TestMessages.text(headers("CANCEL", branch: branch, cseq: 1))
    }

    func bye(branch: String, toTag: String?, cseq: Int = 2) -> String {
        TestMessages.text(headers("BYE", branch: branch, cseq: cseq, toTag: toTag))
    }

    func options(branch: String, cseqMethod: String? = nil) -> String {
        TestMessages.text(headers("OPTIONS", branch: branch, cseq: 1, cseqMethod: cseqMethod))
    }

    /// Any request inside the dialog (re-INVITE, UPDATE, INFO …) with an optional body.
    func inDialog(
        _ method: String, branch: String, cseq: Int, toTag: String, extra: [String] = [], contentType: String? = nil,
        body: String = ""
    ) -> String {
        let type = contentType.map { ["Content-Type: \($0)"] } ?? []
        return TestMessages.text(
            headers(method, branch: branch, cseq: cseq, toTag: toTag) + ["Contact: <sip:alice@127.0.0.1:\(callerPort)>"]
                + extra + type, body: body)
    }

    /// The caller's 200 OK to a BYE the agent sent (RFC 3261 §8.2.6: Via, From, To, Call-ID,
    /// CSeq copied).
    static func ok(to request: SIPMessage) -> String {
        TestMessages.text(
            ["SIP/2.0 200 OK"] + request.vias.map { "Via: \($0)" } + [
                "From: \(request.from)", "To: \(request.to)", "Call-ID: \(request.callID)", "CSeq: \(request.cseq)",
            ])
    }
}
