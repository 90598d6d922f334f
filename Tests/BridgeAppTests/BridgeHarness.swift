import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import NIOCore
import NIOPosix
import TestSupport

@testable import BridgeApp

/// Starts a bridge in-process on ephemeral loopback ports, streaming to a test agent.
struct BridgeHarness {
    let bridge: Bridge
    let agent: TestAgent
    let group: MultiThreadedEventLoopGroup

    /// RTP port ranges per test, so parallel tests never share ports. Indices 56, 57, 61, 75 and 82 are
    /// taken by real-process tests' fixed ranges (DrainTests 36600-, ReloadTests 36700-,
    /// DemoCallTests 37100-, ProcessFaultTests 38500-, UnprivilegedProcessTests 39200-): never pass them.
    static func rtpRange(_ index: Int) -> String { "\(31000 + index * 100)-\(31000 + index * 100 + 99)" }

    static func start(
        rtpRangeIndex: Int, codecs: String = "[PCMU, PCMA]", extraRoute: String = "", rtpExtra: String = "",
        streamExtra: String = "", records: String = "records: { enabled: false }", statusExtra: String = "", routeExtra: String = "", environment: [String: String] = [:],
        listen: String = "[\"udp://127.0.0.1:0\", \"tcp://127.0.0.1:0\"]", sipExtra: String = "",
        onConnect: @escaping @Sendable (AgentConnection) -> Void = { _ in }
    ) async throws -> BridgeHarness {
        let agent = try await TestAgent.start(onConnect: onConnect)
        let yaml = """
            sip:
              listen: \(listen)
              timers: { t1_ms: 100 }
              \(sipExtra)
            rtp:
              address: 127.0.0.1
              port_range: "\(rtpRange(rtpRangeIndex))"
              codecs: \(codecs)
              \(rtpExtra)
            status:
              listen: "127.0.0.1:0"
              \(statusExtra)
            \(records)
            routes:
            \(extraRoute)
              - name: agent
                match: {}
                \(routeExtra)
                stream:
                  url: "\(agent.url)?from={from_user}&to={to_user}"
                  connect_timeout_ms: 2000
                  \(streamExtra)
            """
        let config = try BridgeConfig.parse(yaml: yaml, environment: environment)
        var logger = Logger(label: "bridge-test")
        logger.logLevel = .warning
        let bridge = try await Bridge.start(config: config, logger: logger)
        return BridgeHarness(bridge: bridge, agent: agent, group: MultiThreadedEventLoopGroup(numberOfThreads: 1))
    }

    /// The bridge's `/status` document.
    func status() async throws -> [String: Any] {
        let url = URL(string: "http://127.0.0.1:\(bridge.statusPort)/status")!
        let (data, _) = try await URLSession.shared.data(from: url)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    func caller() async throws -> TestCaller {
        try await TestCaller(bridgePort: bridge.sipPort, group: group)
    }

    /// Waits until the bridge tracks no call and holds no RTP port (nothing leaked).
    func waitIdle() async throws {
        let registry = bridge.registry
        _ = try await poll(timeout: .seconds(10), what: "the bridge to release every call and port") {
            registry.activeCount == 0 && registry.portsInUse == 0 ? true : nil
        }
    }

    func stop() async {
        await bridge.shutdown()
        await agent.stop()
        try? await group.shutdownGracefully()
    }
}

/// A deterministic µ-law test pattern that never contains 0xFF (µ-law silence), so audio is
/// easy to find inside a stream of silence.
func pattern(_ count: Int, seed: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8(($0 * 7 + seed) % 255) }
}
