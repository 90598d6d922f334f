import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
import TestSupport
@testable import SIPIngress

/// A randomized mutation test of the SIP entry point (issue 3): mutated valid messages go
/// through the libosip2 parser and — every message — through a whole `UserAgentCore` on an
/// embedded loop (transactions, dialogs, admission, auth, in-dialog requests). Nothing may
/// crash or hang, and once every timer has run the core holds nothing: no transaction,
/// session, dialog or timer leaks.
///
/// CI runs a bounded slice (`SIPBRIDGE_FUZZ_ITERATIONS`, default 5,000); `scripts/fuzz` runs a
/// million in release mode. A failure names the seed; set `SIPBRIDGE_FUZZ_SEED` to replay it.
@Suite struct ParserMutationTests {
    /// Rejects every call at once, as routing does for unknown numbers, and answers updates 488.
    final class RejectingDelegate: UserAgentDelegate {
        let pending = Mutex<[SessionID]>([])
        func incomingCall(_ call: IncomingCall) { pending.withLock { $0.append(call.id) } }
        func callEnded(_ id: SessionID, reason: CallEndReason) {}
        func sessionUpdated(_ id: SessionID, _ update: SessionUpdate) {}
        func receivedDTMF(_ id: SessionID, digit: Character, durationMilliseconds: Int) {}
    }

    /// The corpus: every valid RFC 4475/5118 vector plus the messages of a whole call.
    static func corpus() throws -> [[UInt8]] {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestMessages.fixtures.appendingPathComponent("rfc4475").path)
            .filter { $0.hasSuffix(".dat") }.map { "rfc4475/\($0)" }
            + FileManager.default.contentsOfDirectory(atPath: TestMessages.fixtures.appendingPathComponent("rfc5118").path)
            .filter { $0.hasSuffix(".dat") }.map { "rfc5118/\($0)" }
        let script = SIPScript(callID: "fuzz@127.0.0.1", callerPort: 5062)
        let call = [
            script.invite(branch: "z9hG4bKf1"), script.ack(branch: "z9hG4bKf2", toTag: "t"), script.bye(branch: "z9hG4bKf3", toTag: "t"),
            script.cancel(branch: "z9hG4bKf1"), script.options(branch: "z9hG4bKf4"),
            script.inDialog("INVITE", branch: "z9hG4bKf5", cseq: 3, toTag: "t", contentType: "application/sdp", body: SIPScript.offer),
            script.inDialog("INFO", branch: "z9hG4bKf6", cseq: 4, toTag: "t", contentType: "application/dtmf-relay", body: "Signal=5\r\nDuration=160\r\n"),
            script.inDialog("UPDATE", branch: "z9hG4bKf7", cseq: 5, toTag: "t", extra: ["Session-Expires: 90;refresher=uac", "Supported: timer"]),
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKbye\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
        ].map { Array($0.utf8) }
        return try names.map { try TestMessages.fixture($0) } + call
    }

    @Test func mutatedMessagesNeitherCrashNorLeak() throws {
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["SIPBRIDGE_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 5_000
        let seed = environment["SIPBRIDGE_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
        let corpus = try Self.corpus()
        var mutator = SIPMutator(seed: seed)
        let loop = EmbeddedEventLoop()
        let delegate = RejectingDelegate()
        let timers = SIPTimerValues(t1: .milliseconds(500))
        let core = UserAgentCore(
            eventLoop: loop, local: LocalEndpoint(host: "127.0.0.1", port: 5060), timers: timers,
            admission: AdmissionPolicy(invitesPerSecond: 1000, inviteBurst: 1000), sessionTimer: .init(minimumSessionExpires: 90),
            delegate: delegate, logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }),
            clock: { Int64(loop.now.uptimeNanoseconds) })
        let peer = SIPPeer(address: try SocketAddress(ipAddress: "127.0.0.1", port: 5062))
        var parsed = 0
        var slowest = Duration.zero
        let clock = ContinuousClock()
        for index in 0..<iterations {
            let message = mutator.mutate(corpus[index % corpus.count])
            let started = clock.now
            if (try? message.withUnsafeBytes { try OSIPCodec.parseMessage($0) }) != nil { parsed += 1 }
            core.received(ByteBuffer(bytes: message), from: peer)
            slowest = max(slowest, clock.now - started)
            for id in delegate.pending.withLock({ pending in defer { pending.removeAll() }; return pending }) {
                core.reject(id, status: 404, reason: nil, headers: [])
            }
            if index % 1000 == 999 { loop.advanceTime(by: .seconds(1)) }
        }
        // Every timer runs out (64·T1 = 32 s, Timer D/J 32 s, session timers): nothing is left.
        loop.advanceTime(by: .seconds(600))
        #expect(core.serverTransactions.isEmpty, "seed \(seed): \(core.serverTransactions.count) server transactions left")
        #expect(core.clientTransactions.isEmpty, "seed \(seed)")
        #expect(core.sessions.isEmpty && core.dialogs.isEmpty, "seed \(seed): \(core.sessions.count) sessions left")
        #expect(core.timers.isEmpty, "seed \(seed): \(core.timers.count) timers left")
        // A message takes microseconds; a quarter second would mean a parser loop gone wrong.
        #expect(slowest < .milliseconds(250), "seed \(seed): slowest message took \(slowest)")
        #expect(parsed > iterations / 20, "seed \(seed): only \(parsed) of \(iterations) mutants parsed — the mutator is too blunt")
        print("fuzz: \(iterations) mutants, \(parsed) parsed, slowest \(slowest), seed \(seed)")
    }
}

/// The socket-less engine the benchmarks drive: an INVITE makes a transaction and a session,
/// the rejection ends the session, and the transaction is gone once its timers have run.
@Suite struct SIPEngineTests {
    @Test func inviteRejectAndExpiry() throws {
        let loop = EmbeddedEventLoop()
        let delegate = ParserMutationTests.RejectingDelegate()
        let engine = SIPEngine(eventLoop: loop, delegate: delegate)
        let script = SIPScript(callerPort: 5062)
        engine.receive(ByteBuffer(string: script.invite(branch: "z9hG4bKengine")), from: try SocketAddress(ipAddress: "127.0.0.1", port: 5062))
        let offered = delegate.pending.withLock { $0 }
        #expect(offered.count == 1)
        #expect(engine.tableSizes == (1, 1))
        engine.reject(try #require(offered.first), status: 404)
        #expect(engine.tableSizes == (1, 0))
        loop.advanceTime(by: .seconds(64))
        #expect(engine.tableSizes == (0, 0))
    }
}
