public import Foundation

/// Runs a command-line tool (sipp, tcpdump) for integration tests, with bounded waits.
public final class ExternalProcess: @unchecked Sendable {
    private let process = Process()
    private let output: URL
    private let lock = NSLock()

    /// Finds an executable on PATH, or `nil` when the tool is not installed.
    public static func which(_ name: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        for directory in paths.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts `executable` with `arguments` in `directory`; stdout and stderr go to a log file.
    public init(_ executable: String, _ arguments: [String], directory: URL) throws {
        output = directory.appendingPathComponent("\(URL(fileURLWithPath: executable).lastPathComponent)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Starts `executable` with an empty signal mask. The test runner blocks most signals and a
    /// child inherits the mask through `exec`: daemons whose timers or shutdown rely on signals
    /// (Kamailio, baresip) would never see them. A one-line Python exec wrapper clears it.
    public static func withDefaultSignals(_ executable: String, _ arguments: [String], directory: URL) throws -> ExternalProcess {
        guard let python = which("python3") else { throw TestFailure("python3 is required to start \(executable)") }
        let unblock = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
        return try ExternalProcess(python, ["-c", unblock, executable] + arguments, directory: directory)
    }

    /// What the process printed so far.
    public var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Waits for exit; kills the process after `timeout`. Returns the exit status.
    @discardableResult
    public func wait(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            process.terminate()
            try await Task.sleep(for: .milliseconds(200))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw TestFailure("\(process.executableURL?.lastPathComponent ?? "process") timed out; log:\n\(log)")
        }
        return process.terminationStatus
    }

    /// Sends a signal (e.g. SIGTERM, as an orchestrator stopping the process).
    public func send(signal number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Asks the process to stop (SIGINT, as Ctrl-C) and waits for it.
    public func interrupt(timeout: Duration = .seconds(5)) async throws {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        _ = try? await wait(timeout: timeout)
    }
}

/// A fresh temporary directory for one test.
public func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sipbridge-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
