import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
import TestSupport

@testable import SIPIngress

/// The core's timers on a manual clock (RFC 3261 §17.2.1): a 404 to an INVITE over UDP is
/// retransmitted at T1, 2·T1, 4·T1 … capped at T2 until Timer H (64·T1) ends the transaction;
/// an ACK stops the retransmissions and Timer I (T4) ends it. Checked at the core, where all
/// timers share one deadline queue and one loop task.
struct CoreTimerTests {
    private func makeCore() throws -> (UserAgentCore, EmbeddedEventLoop, EmbeddedChannel, ParserMutationTests.RejectingDelegate) {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let delegate = ParserMutationTests.RejectingDelegate()
        let core = UserAgentCore(
            eventLoop: loop, local: LocalEndpoint(host: "127.0.0.1", port: 5060),
            timers: SIPTimerValues(t1: .milliseconds(500)), delegate: delegate,
            logger: Logger(label: "timers", factory: { _ in SwiftLogNoOpLogHandler() }))
        core.datagramChannel = channel
        return (core, loop, channel, delegate)
    }

    /// Status codes sent since the last call, with the loop's time in milliseconds.
    private func sent(_ channel: EmbeddedChannel, at loop: EmbeddedEventLoop, into log: inout [(Int64, Int)]) throws {
        while let envelope = try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) {
            let message = try envelope.data.withUnsafeReadableBytes { try SIPMessage(parsing: $0) }
            log.append((Int64(loop.now.uptimeNanoseconds / 1_000_000), message.statusCode ?? 0))
        }
    }

    private func rejectedInvite(branch: String) throws -> (UserAgentCore, EmbeddedEventLoop, EmbeddedChannel, Int64) {
        let (core, loop, channel, delegate) = try makeCore()
        let peer = SIPPeer(address: try SocketAddress(ipAddress: "127.0.0.1", port: 5062))
        core.received(ByteBuffer(string: SIPScript(callerPort: 5062).invite(branch: branch)), from: peer)
        for id in delegate.pending.withLock({ $0 }) { core.reject(id, status: 404, reason: nil, headers: []) }
        return (core, loop, channel, Int64(loop.now.uptimeNanoseconds / 1_000_000))
    }

    @Test func unacknowledged404IsRetransmittedUntilTimerH() throws {
        let (core, loop, channel, start) = try rejectedInvite(branch: "z9hG4bKtimers1")
        var log: [(Int64, Int)] = []
        try sent(channel, at: loop, into: &log)
        // 100 ms steps: each retransmission shows at the step it falls due.
        for _ in 0..<400 {
            loop.advanceTime(by: .milliseconds(100))
            try sent(channel, at: loop, into: &log)
        }
        let resent = log.filter { $0.1 == 404 }.map { $0.0 - start }
        // §17.2.1: G doubles from T1 to T2 (4 s), H at 64·T1 = 32 s stops it.
        #expect(resent == [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
        #expect(core.serverTransactions.isEmpty && core.timers.isEmpty)
        _ = try channel.finish()
    }

    @Test func ackStopsRetransmissionsAndTimerIEnds() throws {
        let (core, loop, channel, start) = try rejectedInvite(branch: "z9hG4bKtimers2")
        var log: [(Int64, Int)] = []
        try sent(channel, at: loop, into: &log)
        for _ in 0..<6 {
            loop.advanceTime(by: .milliseconds(100))
            try sent(channel, at: loop, into: &log)
        }
        let ack = SIPScript(callerPort: 5062).ack(branch: "z9hG4bKtimers2", toTag: "x")
        core.received(ByteBuffer(string: ack), from: SIPPeer(address: try SocketAddress(ipAddress: "127.0.0.1", port: 5062)))
        loop.advanceTime(by: .milliseconds(4900))
        #expect(core.serverTransactions.count == 1, "Timer I (T4 = 5 s) not yet run out")
        loop.advanceTime(by: .milliseconds(100))
        #expect(core.serverTransactions.isEmpty, "Timer I has run out")
        for _ in 0..<300 {
            loop.advanceTime(by: .milliseconds(100))
            try sent(channel, at: loop, into: &log)
        }
        #expect(log.filter { $0.1 == 404 }.map { $0.0 - start } == [0, 500], "no 404 after the ACK")
        #expect(core.serverTransactions.isEmpty && core.timers.isEmpty)
        _ = try channel.finish()
    }
}
