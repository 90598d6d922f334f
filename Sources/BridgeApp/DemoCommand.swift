import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Transcode

extension SipBridgeCommand {
    /// `sipbridge demo`: the zero-setup main job. The bridge plus the embedded echo agent on
    /// loopback with a built-in configuration; it prints the SIP URI to call.
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the bridge with an embedded echo agent on loopback (no configuration needed).")

        @Option(help: "The address to listen on for SIP and RTP.")
        var host: String = "127.0.0.1"

        @Option(help: "The SIP UDP port.")
        var sipPort: Int = 5060

        @Option(help: "The status HTTP port.")
        var statusPort: Int = 8080

        @Option(help: "The RTP port range.")
        var rtpPorts: String = "20000-20999"

        @Option(help: "Log level: trace, debug, info, notice, warning, error.")
        var logLevel: String = "info"

        @Option(help: "Log line format: text (human) or json (one object per line).")
        var logFormat: LogFormat = .text

        @Flag(help: "Also place a test call with sipp (Debian sip-tester) and print a summary.")
        var call = false

        @Option(help: "Length of the --call test call in seconds (1-60).")
        var callSeconds: Int = 3

        func validate() throws {
            guard (1...60).contains(callSeconds) else { throw ValidationError("--call-seconds must be 1...60") }
        }

        func run() async throws {
            let logger = makeLogger(level: logLevel, format: logFormat)
            let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let agent = DemoAgent.application(host: "127.0.0.1", port: 0, logger: logger) { port in
                portContinuation.yield(port)
            }
            let agentServices = ServiceGroup(
                configuration: .init(services: [agent], gracefulShutdownSignals: [], logger: logger))
            let agentTask = Task { try await agentServices.run() }
            var iterator = portStream.makeAsyncIterator()
            guard let agentPort = await iterator.next() else { throw ExitCode(1) }

            let yaml = """
                sip:
                  listen: "udp://\(host):\(sipPort)"
                rtp:
                  address: "\(host)"
                  port_range: "\(rtpPorts)"
                  codecs: [PCMU, PCMA]
                status:
                  listen: "127.0.0.1:\(statusPort)"
                routes:
                  - name: demo-echo
                    match: {}
                    stream:
                      url: "ws://127.0.0.1:\(agentPort)/ws?caller={from_user}"
                      content_type: "audio/x-mulaw;rate=8000"
                """
            let config = try BridgeConfig.parse(yaml: yaml, environment: [:])
            let bridge = try await Bridge.start(config: config, logger: logger)
            // Written straight to the file descriptor: stdout may be a pipe, and the banner
            // must show at once, not when a stdio buffer fills.
            FileHandle.standardOutput.write(Data(
                """

                sipbridge demo is running.
                  Call:    sip:echo@\(bridge.advertisedAddress):\(bridge.sipPort)   (PCMU or PCMA; you hear yourself ~100 ms later)
                  Agent:   ws://127.0.0.1:\(agentPort)/ws   (embedded echo agent, Vobiz stream protocol)
                  Status:  http://127.0.0.1:\(bridge.statusPort)/status
                  Try:     sipp -sn uac -s echo \(bridge.advertisedAddress):\(bridge.sipPort) -m 1 -d 5000 -i 127.0.0.1 -p 5070
                Press Ctrl-C to stop.

                """.utf8))
            let testCall = call ? Task {
                let summary = await DemoCall.run(bridge: bridge, seconds: callSeconds)
                FileHandle.standardOutput.write(Data(summary.utf8))
            } : nil
            // The demo stops at the first Ctrl-C (no drain).
            let (events, continuation) = AsyncStream.makeStream(of: LifecycleEvent.self)
            let sources = forwardTerminationSignals(to: continuation)
            var signals = events.makeAsyncIterator()
            _ = await signals.next()
            sources.forEach { $0.cancel() }
            testCall?.cancel()
            await bridge.shutdown()
            await agentServices.triggerGracefulShutdown()
            _ = await agentTask.result
        }
    }
}
