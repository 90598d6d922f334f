import NIOCore
import NIOPosix
import Testing

import TestSupport

/// The test caller retransmits its requests as a UAC does over UDP (RFC 3261 §17.1.2.2), so a
/// datagram lost in a loaded test run costs a retransmission, not the test. Checked against a
/// scripted UAS on loopback that ignores the first copy of each request.
@Suite struct TestCallerRetransmissionTests {
    /// Answers the `answered`-th copy of the request (1-based) that `matches`, with `status`
    /// and the request's Via, From, To, Call-ID and CSeq; earlier copies are dropped.
    private static func answer(
        on uas: UDPEndpoint, copy answered: Int, status: String, matching prefix: String
    ) async throws -> Int {
        let requests = try await poll(timeout: .seconds(10), what: "copy \(answered) of \(prefix)") {
            let copies = uas.datagrams.filter { String(decoding: $0.bytes, as: UTF8.self).hasPrefix(prefix) }
            return copies.count >= answered ? copies : nil
        }
        let request = SIPText(String(decoding: requests[answered - 1].bytes, as: UTF8.self))
        var lines = ["SIP/2.0 \(status)"]
        for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
            lines += request.headers(name).map { "\(name): \($0)" }
        }
        lines.append("Content-Length: 0")
        let port = requests[answered - 1].source.port ?? 0
        try await uas.send(Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8), toPort: port)
        return requests.count
    }

    @Test func aNonInviteRequestIsRetransmittedUntilItsFinalResponse() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let uas = try await UDPEndpoint.bind(group: group)
        let caller = try await TestCaller(bridgePort: uas.port, group: group)
        async let status = caller.bye()
        // The first BYE is "lost"; the retransmission (Timer E, 500 ms) gets the 200.
        _ = try await Self.answer(on: uas, copy: 2, status: "200 OK", matching: "BYE ")
        #expect(try await status == 200)
        let byes = uas.datagrams.map { SIPText(String(decoding: $0.bytes, as: UTF8.self)) }.filter { $0.startLine.hasPrefix("BYE ") }
        // Each copy is the same request: one branch, one CSeq (RFC 3261 §17.1.2.2).
        #expect(Set(byes.map { $0.header("Via") ?? "" }).count == 1)
        #expect(Set(byes.map { $0.header("CSeq") ?? "" }) == ["2 BYE"])
        await caller.close()
        await uas.close()
        try await group.shutdownGracefully()
    }

    @Test func anInviteStopsBeingRetransmittedAtItsFirstResponse() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let uas = try await UDPEndpoint.bind(group: group)
        let caller = try await TestCaller(bridgePort: uas.port, group: group)
        async let status = caller.invite(user: "43", timeout: .seconds(8))
        _ = try await Self.answer(on: uas, copy: 2, status: "100 Trying", matching: "INVITE ")
        // After the 100, no further copy for longer than Timer A's next interval (1 s), then 404.
        try await Task.sleep(for: .milliseconds(2_500))
        let copies = try await Self.answer(on: uas, copy: 2, status: "404 Not Found", matching: "INVITE ")
        #expect(try await status == 404)
        #expect(copies == 2)
        await caller.close()
        await uas.close()
        try await group.shutdownGracefully()
    }
}
