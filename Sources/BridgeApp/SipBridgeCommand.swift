import ArgumentParser
import Foundation
import Logging
import NIOCore

/// The `sipbridge` command line (swift-argument-parser).
@main
struct SipBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sipbridge",
        abstract: "SIP/RTP ⇄ WebSocket bridge: carrier calls in, Vobiz-compatible audio streams out.",
        subcommands: [Run.self, Demo.self, CheckConfig.self, Version.self],
        defaultSubcommand: Demo.self)
}

extension SipBridgeCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the bridge with a YAML configuration.")

        @Option(name: .shortAndLong, help: "The YAML configuration file.")
        var config: String

        @Option(help: "Log level: trace, debug, info, notice, warning, error.")
        var logLevel: String = "info"

        @Option(help: "Log line format: text (human) or json (one object per line, for log shippers).")
        var logFormat: LogFormat = .text

        func run() async throws {
            let logger = makeLogger(level: logLevel, format: logFormat)
            let bridgeConfig = try loadConfig(path: config)
            let bridge = try await Bridge.start(config: bridgeConfig, logger: logger)
            if let warning = bridgeConfig.openAdmissionWarning { logger.warning("\(warning)") }
            // First SIGTERM/SIGINT: drain (calls go on up to drain_timeout_s); a second: stop now.
            let (events, continuation) = AsyncStream.makeStream(of: LifecycleEvent.self)
            var sources = forwardTerminationSignals(to: continuation)
            sources.append(forwardReloadSignal(to: continuation))
            var drainer: Task<Void, Never>?
            loop: for await event in events {
                switch event {
                case .reload:
                    reload(bridge, from: config, logger: logger)
                case .signal where drainer == nil:
                    drainer = Task {
                        await bridge.drain(timeout: .seconds(bridgeConfig.drainTimeoutSeconds))
                        continuation.yield(.drained)
                    }
                case .signal, .drained:
                    break loop
                }
            }
            drainer?.cancel()
            sources.forEach { $0.cancel() }
            await bridge.shutdown()
        }
    }

    struct CheckConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config", abstract: "Validate a configuration file; list every error by key path.")

        @Argument(help: "The YAML configuration file.")
        var file: String

        func run() throws {
            let config = try loadConfig(path: file)
            print("# \(file): OK. The effective configuration, defaults filled in, secrets masked:")
            print(config.effectiveYAML(), terminator: "")
        }
    }

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the version.")

        func run() {
            print("sipbridge \(BridgeVersion.current)")
        }
    }
}

/// SIGHUP: reopens the call-record file (log rotation), re-reads the file; a valid one replaces the routes and media settings for new calls,
/// an invalid one is logged (every issue by key path) and the running configuration stays.
func reload(_ bridge: Bridge, from path: String, logger: Logger) {
    do {
        try bridge.registry.reopenRecords()
    } catch {
        logger.error("reload: cannot reopen records.cdr_path; writing to the old file", metadata: ["error": "\(error)"])
    }
    let text: String
    do {
        text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        return logger.error("reload: cannot read the configuration; keeping the running one", metadata: ["path": "\(path)", "error": "\(error)"])
    }
    do {
        let config = try BridgeConfig.parse(yaml: text, environment: ProcessInfo.processInfo.environment)
        let needRestart = bridge.registry.reload(config)
        logger.info(
            "reload: configuration applied to new calls",
            metadata: [
                "routes": "\(config.routes.map(\.name).joined(separator: ","))",
                "restart_needed_for": "\(needRestart.joined(separator: ","))",
            ])
    } catch let error as ConfigError {
        logger.error("reload: invalid configuration; keeping the running one", metadata: ["path": "\(path)", "issues": "\(error)"])
    } catch {
        logger.error("reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
    }
}

/// Delivers SIGHUP as `.reload` events (its default action, termination, is disabled).
func forwardReloadSignal(to continuation: AsyncStream<LifecycleEvent>.Continuation) -> any DispatchSourceSignal {
    signal(SIGHUP, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
    source.setEventHandler { continuation.yield(.reload) }
    source.resume()
    return source
}

/// Reads and validates a configuration file, exiting 1 with every issue on stderr.
func loadConfig(path: String) throws -> BridgeConfig {
    let text: String
    do {
        text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        FileHandle.standardError.write(Data("cannot read \(path): \(error.localizedDescription)\n".utf8))
        throw ExitCode(1)
    }
    do {
        return try BridgeConfig.parse(yaml: text, environment: ProcessInfo.processInfo.environment)
    } catch let error as ConfigError {
        FileHandle.standardError.write(Data("\(path): \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// A logger writing human-readable lines to stderr.
/// `--log-format`.
enum LogFormat: String, ExpressibleByArgument, Sendable {
    case text, json
}

func makeLogger(level: String, format: LogFormat = .text) -> Logger {
    let threshold = Logger.Level(rawValue: level.lowercased()) ?? .info
    LoggingSystem.bootstrap { label in
        switch format {
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = threshold
            return handler
        case .json:
            var handler = JSONLogHandler(label: label)
            handler.logLevel = threshold
            return handler
        }
    }
    return Logger(label: "sipbridge")
}

/// What ends `sipbridge run`.
enum LifecycleEvent: Sendable {
    /// SIGINT or SIGTERM.
    case signal
    /// The drain finished.
    case drained
    /// SIGHUP: reload the configuration.
    case reload
}

/// Delivers SIGINT and SIGTERM as `.signal` events (their default action is disabled).
func forwardTerminationSignals(to continuation: AsyncStream<LifecycleEvent>.Continuation) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { signalNumber in
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler { continuation.yield(.signal) }
        source.resume()
        return source
    }
}
