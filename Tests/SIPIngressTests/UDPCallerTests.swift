import NIOCore
import NIOPosix
import Testing
import TestSupport

@testable import SIPIngress

/// The loopback tests' caller retransmits a request until it is answered (RFC 3261 §17.1.2.2),
/// so a lost datagram costs a retransmission, not the test: checked against a scripted UAS that
/// ignores the first copy (each copy the same request, so one branch).
@Suite struct UDPCallerTests {
    @Test func aRequestIsRetransmittedUntilAnswered() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let uas = try await UDPEndpoint.bind(group: group)
        let caller = try await UDPCaller.start(group: group, agent: try SocketAddress(ipAddress: "127.0.0.1", port: uas.port))
        let script = SIPScript(callID: "retransmit", callerPort: caller.port)
        async let answer = caller.transact(script.options(branch: "z9hG4bKretransmit")) { $0.cseq.method == .options }
        // The first copy is "lost"; the second (Timer E, 500 ms) is answered.
        let copies = try await poll(timeout: .seconds(10), what: "a retransmitted OPTIONS") {
            uas.datagrams.count >= 2 ? uas.datagrams : nil
        }
        #expect(copies[0].bytes == copies[1].bytes)
        let request = try TestMessages.parse(copies[1].bytes)
        var response = MessageFactory.response(to: request, status: 200, toTag: "uas", sourceHost: nil, sourcePort: nil)
        response.otherHeaders.append(SIPHeader("X-Copy", "2"))
        try await uas.send(Array(response.wireText.utf8), toPort: caller.port)
        #expect(try await answer.header("X-Copy") == "2")
        try await caller.close()
        await uas.close()
        try await group.shutdownGracefully()
    }
}
