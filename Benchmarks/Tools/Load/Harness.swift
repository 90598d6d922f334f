import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// What both modes (concurrent calls, setup rate) start with and end with.
extension LoadCommand {
    /// The generator's event loops, its echo agent and the bridge under test, configured for
    /// `calls` calls at once.
    struct Harness {
        let group: MultiThreadedEventLoopGroup
        let measurements: Measurements
        let agentChannel: any Channel
        let process: BridgeProcess
        /// The run's files (the bridge's config and log, rtpengine's).
        let directory: URL
    }

    /// Starts the agent, then the bridge process pointed at it. The caller waits until the
    /// bridge runs, stops the process (also on a thrown error) and shuts the group down.
    func startHarness(calls: Int) async throws -> Harness {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let measurements = Measurements()
        let (agentChannel, agentPort) = try await Agent.start(group: group, measurements: measurements)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sipbridge-load-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = try BridgeProcess(
            binary: bridge, agentURL: "ws://127.0.0.1:\(agentPort)/ws", calls: calls, sipPort: sipPort, statusPort: statusPort,
            rtpBase: rtpBase, rtpSockets: rtpSockets, directory: directory)
        return Harness(group: group, measurements: measurements, agentChannel: agentChannel, process: process, directory: directory)
    }

    /// Prints the report as markdown, writes it as JSON when `--json` asks, and with
    /// `--require-clean` exits 1 on `uncleanReason`.
    func publish(_ report: some Encodable, markdown: String, uncleanReason: String?) throws {
        print(markdown)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
        if requireClean, let problem = uncleanReason {
            print("NOT CLEAN: \(problem)")
            throw ExitCode(1)
        }
    }
}
