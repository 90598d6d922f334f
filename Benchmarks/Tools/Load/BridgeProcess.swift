import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The bridge under test: a `sipbridge run` child process with a config written for the run,
/// and its CPU time and memory read from /proc.
final class BridgeProcess {
    let process = Process()
    let sipPort: Int
    let statusPort: Int
    private let log: URL

    init(
        binary: String, agentURL: String, calls: Int, sipPort: Int, statusPort: Int, rtpBase: Int, rtpSockets: String,
        directory: URL
    ) throws {
        self.sipPort = sipPort
        self.statusPort = statusPort
        let config = directory.appendingPathComponent("bridge.yaml")
        // Two ports per call, plus slack for ports another process holds.
        let rtpTop = rtpBase + calls * 2 + 200
        try """
            sip: { listen: "udp://127.0.0.1:\(sipPort)", max_calls: \(calls + 100) }
            rtp: { address: 127.0.0.1, port_range: "\(rtpBase)-\(rtpTop)", sockets: \(rtpSockets) }
            status: { listen: "127.0.0.1:\(statusPort)" }
            records: { enabled: false }
            routes:
              - name: load
                match: {}
                stream: { url: "\(agentURL)", content_type: "audio/x-mulaw;rate=8000" }
            """.write(to: config, atomically: true, encoding: .utf8)
        log = directory.appendingPathComponent("bridge.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", "--config", config.path]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits until the bridge says it runs.
    func waitUntilRunning(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: log, encoding: .utf8), text.contains("sipbridge running") { return }
            guard process.isRunning else { throw LoadError("the bridge exited: \(logTail)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LoadError("the bridge did not start within \(timeout): \(logTail)")
    }

    var logTail: String { ((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(2000).description }

    /// User + system CPU time of the bridge so far, in seconds (/proc/PID/stat fields 14 and 15).
    var cpuSeconds: Double { Self.cpuSeconds(pid: process.processIdentifier) }

    /// Resident memory in MiB (/proc/PID/status VmRSS).
    var residentMiB: Double { Self.residentMiB(pid: process.processIdentifier) }

    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func residentMiB(pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }

    /// Open file descriptors of the bridge.
    var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count) ?? -1
    }

    /// A counter from the bridge's `/metrics` (summed over its labels).
    func metric(_ name: String) async -> Double {
        guard let url = URL(string: "http://127.0.0.1:\(statusPort)/metrics"),
            let (data, _) = try? await URLSession.shared.data(from: url)
        else { return -1 }
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix(name) && ($0.dropFirst(name.count).first == " " || $0.dropFirst(name.count).first == "{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }

    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        for _ in 0..<100 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
