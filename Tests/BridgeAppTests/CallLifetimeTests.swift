import NIOConcurrencyHelpers
import NIOCore
import Testing
import TestSupport

@testable import BridgeApp

/// A call's object is freed once the call has ended, however it ends. The stream's handler holds
/// its call (and its connection) strongly while the WebSocket is open — a weak reference would put
/// every retain of a call on the runtime's slow path — so the cycle call → connection → channel →
/// handler → call must break when the stream closes.
@Suite(.serialized) struct CallLifetimeTests {
    /// Set on the call's loop; read there.
    final class WeakCall: @unchecked Sendable {
        weak var call: Call?
        /// Holds a call past its end; set and read on the call's loop.
        final class Strong: @unchecked Sendable {
            var call: Call?
        }
    }

    /// The live call's object, weakly.
    private func watch(_ harness: BridgeHarness) async throws -> (WeakCall, any EventLoop) {
        let handle = try #require(harness.bridge.registry.state.withLockedValue { $0.calls.values.first })
        let watcher = WeakCall()
        try await handle.eventLoop.submit { watcher.call = handle.call.value }.get()
        #expect(try await handle.eventLoop.submit { watcher.call != nil }.get())
        return (watcher, handle.eventLoop)
    }

    private func waitFreed(_ watcher: WeakCall, on loop: any EventLoop) async throws {
        _ = try await poll(timeout: .seconds(10), what: "the ended call's object to be freed") {
            try await loop.submit { watcher.call == nil }.get() ? true : nil
        }
    }

    @Test(arguments: ["caller BYE", "AI server closes"])
    func anEndedCallIsFreed(ending: String) async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 83)
        let caller = try await harness.caller()
        #expect(try await caller.invite(payloadType: 0) == 200)
        let agent = try await harness.agent.connection()
        _ = try await agent.waitFor("start")
        try await caller.sendRTP(payload: pattern(160), payloadType: 0, sequence: 1, timestamp: 160)
        _ = try await agent.waitFor("media")
        let (watcher, loop) = try await watch(harness)

        if ending == "caller BYE" {
            #expect(try await caller.bye() == 200)
        } else {
            agent.close()
            try await caller.waitForBye()
        }
        try await harness.waitIdle()
        try await waitFreed(watcher, on: loop)
        await caller.close()
        await harness.stop()
    }

    /// The call's RTCP timer runs after the call has ended, as NIO runs it when `end` cancels it
    /// in the batch that had already taken it: the call is still freed (it used to reschedule
    /// the timer, which then held the ended call for ever).
    @Test func anRTCPTimerRunningAfterTheEndDoesNotKeepTheCall() async throws {
        let harness = try await BridgeHarness.start(rtpRangeIndex: 84)
        let caller = try await harness.caller()
        #expect(try await caller.invite(payloadType: 0) == 200)
        let agent = try await harness.agent.connection()
        _ = try await agent.waitFor("start")
        let (watcher, loop) = try await watch(harness)
        let held = WeakCall.Strong()
        try await loop.submit { held.call = watcher.call }.get()

        #expect(try await caller.bye() == 200)
        try await harness.waitIdle()
        try await loop.submit {
            held.call?.rtcpTimerFired()
            held.call = nil
        }.get()
        try await waitFreed(watcher, on: loop)
        await caller.close()
        await harness.stop()
    }
}
