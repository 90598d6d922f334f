/// A carrier's requests on one TCP or TLS connection (RFC 3261 §18: Via and Contact name the
/// transport, the Request-URI carries `;transport=`), for the tests that drive a
/// `StreamSIPClient` by hand.
public enum StreamSIPRequest {
    /// An INVITE offering PCMU on `rtpPort`.
    /// - Parameters:
    ///   - transport: `tcp` or `tls`.
    ///   - callID: the dialog's Call-ID.
    ///   - localPort: the connection's local port (Via, Contact).
    ///   - rtpPort: where the caller receives RTP.
    public static func invite(transport: String, callID: String, localPort: Int, rtpPort: Int) -> String {
        let sdp = [
            "v=0", "o=carrier 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
            "m=audio \(rtpPort) RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "a=sendrecv",
        ].joined(separator: "\r\n") + "\r\n"
        return request(
            "INVITE", transport: transport, callID: callID, cseq: 1, localPort: localPort, toTag: nil,
            extra: ["Content-Type: application/sdp"], body: sdp)
    }

    /// A request in the dialog (`toTag` set) or outside it.
    public static func request(
        _ method: String, transport: String, callID: String, cseq: Int, localPort: Int, toTag: String?,
        extra: [String] = [], body: String = ""
    ) -> String {
        ([
            "\(method) sip:agent@127.0.0.1;transport=\(transport) SIP/2.0",
            "Via: SIP/2.0/\(transport.uppercased()) 127.0.0.1:\(localPort);branch=z9hG4bK\(method.lowercased())\(cseq);rport",
            "Max-Forwards: 70", "From: <sip:carrier@127.0.0.1>;tag=\(transport)1",
            "To: <sip:agent@127.0.0.1>" + (toTag.map { ";tag=\($0)" } ?? ""),
            "Call-ID: \(callID)", "CSeq: \(cseq) \(method)", "Contact: <sip:carrier@127.0.0.1:\(localPort);transport=\(transport)>",
        ] + extra + ["Content-Length: \(body.utf8.count)", "", body]).joined(separator: "\r\n")
    }
}
