import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `sipbridge-load`: N concurrent bidirectional calls through a real `sipbridge` process on
/// this machine, with the AI server (echo agent) and the callers in this process. Prints a
/// markdown table and optionally writes JSON. See Benchmarks/README.md ("Load test").
@main
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sipbridge-load", abstract: "Load-test a sipbridge: concurrent calls, latency, CPU per call-second.")

    @Option(help: "The sipbridge executable (build it with: swift build -c release --product sipbridge).")
    var bridge = "../.build/release/sipbridge"
    @Option(help: "Concurrent calls.")
    var calls = 100
    @Option(help: "Seconds of steady state measured once every call is up.")
    var duration = 30
    @Option(help: "Calls set up per second during the ramp.")
    var rate = 50
    @Option(help: "Event-loop threads of the load generator.")
    var threads = 2
    @Option(help: "The bridge's SIP port (UDP, 127.0.0.1).")
    var sipPort = 45060
    @Option(help: "The bridge's status port.")
    var statusPort = 45080
    @Option(help: "First port of the bridge's RTP range (two per call).")
    var rtpBase = 46000
    @Option(help: "The bridge's rtp.sockets: per_call (a port pair per call) or per_loop (one shared pair per event loop).")
    var rtpSockets = "per_call"
    @Option(help: "When the calls send within each 20 ms: spread (each call its own phase, as from a carrier) or aligned (all of an event loop's calls in one burst).")
    var phases = PacerPhases.spread
    @Option(help: "Sample the bridge's RSS, descriptors and CPU every N seconds of the steady state (soak runs).")
    var sampleEvery = 10
    @Option(help: "Write the results as JSON to this file.")
    var json: String?
    @Option(help: "Also relay the same number of calls through this rtpengine (userspace, --table=-1) and compare CPU.")
    var rtpengine: String?
    @Flag(help: "Exit 1 unless every call was answered and no caller frame was lost (the CI smoke run).")
    var requireClean = false
    @Option(help: "Setup-rate mode: place --rate calls a second for this many seconds, each hung up (BYE) once answered; reports INVITE → 200 OK and the bridge's CPU per setup instead of the media figures.")
    var setupSeconds: Int?

    func run() async throws {
        raiseDescriptorLimit()
        if let setupSeconds { return try await runSetups(seconds: setupSeconds) }
        let harness = try await startHarness(calls: calls)
        let (group, measurements, agentChannel, process) = (harness.group, harness.measurements, harness.agentChannel, harness.process)
        let directory = harness.directory
        defer { process.stop() }
        try await process.waitUntilRunning()
        let idleRSS = process.residentMiB
        let fleet = try await CallerFleet.start(
            group: group, measurements: measurements, bridge: try SocketAddress(ipAddress: "127.0.0.1", port: sipPort), phases: phases)

        // Ramp.
        let rampStart = ContinuousClock.now
        var halfRSS = idleRSS
        for index in 0..<calls {
            // The first calls also warm up per-loop pools, caches and malloc arenas, so the
            // growth per call is measured from half the calls to all of them.
            if index == calls / 2 { halfRSS = process.residentMiB }
            try await fleet.place(UInt32(index))
            let due = rampStart + .nanoseconds(Int64(index + 1) * 1_000_000_000 / Int64(rate))
            if due > .now { try await Task.sleep(until: due) }
        }
        let setupDeadline = ContinuousClock.now + .seconds(15)
        while measurements.counters.callsAnswered + measurements.counters.callsFailed < calls, ContinuousClock.now < setupDeadline {
            try await Task.sleep(for: .milliseconds(50))
        }

        // Steady state: every call sends and receives for `duration` seconds.
        try await Task.sleep(for: .seconds(2))
        let before = (bridge: process.cpuSeconds, own: Self.ownCPUSeconds(), time: ContinuousClock.now, counters: measurements.counters)
        let underrunsBefore = await process.metric("sipbridge_playout_underruns_total")
        let lateBefore = await process.metric("sipbridge_rtp_late_total")
        let lostBefore = await process.metric("sipbridge_rtp_lost_total")
        var samples: [ResourceSample] = []
        let steadyEnd = ContinuousClock.now + .seconds(duration)
        while ContinuousClock.now < steadyEnd {
            let counters = measurements.counters
            let pacer = measurements.takePacerWindow()
            let sample = ResourceSample(
                seconds: Self.seconds(ContinuousClock.now - before.time), rssMiB: process.residentMiB,
                descriptors: process.openDescriptors, cpuSeconds: process.cpuSeconds - before.bridge,
                generatorCPUSeconds: Self.ownCPUSeconds() - before.own,
                bridgeLate: await process.metric("sipbridge_rtp_late_total") - lateBefore,
                concealedFrames: counters.concealedFramesReceived - before.counters.concealedFramesReceived,
                agentGaps: counters.callerFramesLost - before.counters.callerFramesLost,
                pacerTicksLate: counters.pacerTicksLate - before.counters.pacerTicksLate,
                stalledFrames: counters.callerFramesSentStalled - before.counters.callerFramesSentStalled,
                pacerMaximumLag: pacer.maximumLag, pacerMaximumWork: pacer.maximumWork)
            if let previous = samples.last, sample.seconds > previous.seconds {
                let window = sample.seconds - previous.seconds
                print(
                    "t=\(Int(sample.seconds)) s  RSS \(String(format: "%.1f", sample.rssMiB)) MiB  fds \(sample.descriptors)"
                        + "  bridge \(Int((sample.cpuSeconds - previous.cpuSeconds) * 100 / window)) %"
                        + "  generator \(Int((sample.generatorCPUSeconds - previous.generatorCPUSeconds) * 100 / window)) %"
                        + "  late +\(Int(sample.bridgeLate - previous.bridgeLate))"
                        + "  concealed +\(sample.concealedFrames - previous.concealedFrames)"
                        + "  gaps at agent +\(sample.agentGaps - previous.agentGaps)"
                        + "  stalled frames +\(sample.stalledFrames - previous.stalledFrames)"
                        + "  pacer late ticks +\(sample.pacerTicksLate - previous.pacerTicksLate)"
                        + " max lag \(sample.pacerMaximumLag) µs max work \(sample.pacerMaximumWork) µs")
                fflush(nil)  // progress shows up in a log file as it happens
            }
            samples.append(sample)
            try await Task.sleep(until: min(steadyEnd, ContinuousClock.now + .seconds(sampleEvery)))
        }
        let after = (bridge: process.cpuSeconds, own: Self.ownCPUSeconds(), time: ContinuousClock.now, counters: measurements.counters)
        let underruns = await process.metric("sipbridge_playout_underruns_total") - underrunsBefore
        let bridgeLate = await process.metric("sipbridge_rtp_late_total") - lateBefore
        let bridgeLost = await process.metric("sipbridge_rtp_lost_total") - lostBefore
        let rss = process.residentMiB
        let descriptors = process.openDescriptors
        let wsFailures = await process.metric("sipbridge_ws_failures_total")

        await fleet.hangUpAll()
        try await Task.sleep(for: .milliseconds(500))
        measurements.settleClears()
        try? await agentChannel.close()
        process.stop()

        let seconds = Self.seconds(after.time - before.time)
        var relay: RelayReport?
        if let rtpengine {
            relay = try await compare(rtpengine: rtpengine, directory: directory, measurements: measurements)
        }
        try await group.shutdownGracefully()
        let answered = measurements.counters.callsAnswered
        let report = LoadReport(
            calls: calls, rtpSockets: rtpSockets, phases: phases.rawValue, answered: answered, failed: measurements.counters.callsFailed, seconds: seconds,
            bridgeCPUSeconds: after.bridge - before.bridge, loadGeneratorCPUSeconds: after.own - before.own,
            bridgeRSSMiB: rss, bridgeIdleRSSMiB: idleRSS, bridgeHalfRSSMiB: halfRSS, bridgeDescriptors: descriptors, underruns: Int(underruns),
            bridgeLate: Int(bridgeLate), bridgeLost: Int(bridgeLost),
            wsFailures: Int(wsFailures), counters: measurements.counters, steadyCallerFrames: after.counters.callerFramesSent - before.counters.callerFramesSent,
            steadyCallerFramesLost: after.counters.callerFramesLost - before.counters.callerFramesLost,
            steadyCallerFramesStalled: after.counters.callerFramesSentStalled - before.counters.callerFramesSentStalled,
            steadyAgentFrames: after.counters.agentFramesReceived - before.counters.agentFramesReceived,
            steadyEchoSent: after.counters.echoFramesSent - before.counters.echoFramesSent,
            steadyEchoReceived: after.counters.echoFramesReceived - before.counters.echoFramesReceived,
            latencies: Dictionary(uniqueKeysWithValues: Measurements.Latency.allCases.map { ($0.rawValue, measurements.summary($0)) }),
            rtpengine: relay, samples: samples)
        try publish(report, markdown: report.markdown, uncleanReason: report.uncleanReason)
    }

    /// The same calls (count, 50 packets/s per side, duration) relayed by rtpengine.
    private func compare(rtpengine: String, directory: URL, measurements: Measurements) async throws -> RelayReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        do {
            let report = try await compare(rtpengine: rtpengine, directory: directory, measurements: measurements, group: group)
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func compare(
        rtpengine: String, directory: URL, measurements: Measurements, group: any EventLoopGroup
    ) async throws -> RelayReport {
        let engine = try RTPEngineProcess(
            binary: rtpengine, ngPort: statusPort + 10, portMin: rtpBase, portMax: rtpBase + calls * 4 + 200, directory: directory)
        defer { engine.stop() }
        try await engine.waitUntilRunning()
        let fleet = try await RelayFleet.start(calls: calls, group: group, engine: engine, measurements: measurements, phases: phases)
        try await Task.sleep(for: .seconds(2))
        let before = (cpu: engine.cpuSeconds, time: ContinuousClock.now, sent: measurements.counters.relayFramesSent,
                      received: measurements.counters.relayFramesReceived)
        try await Task.sleep(for: .seconds(duration))
        let after = (cpu: engine.cpuSeconds, time: ContinuousClock.now, sent: measurements.counters.relayFramesSent,
                     received: measurements.counters.relayFramesReceived)
        let rss = engine.residentMiB
        await fleet.stop()
        return RelayReport(
            calls: calls, seconds: Self.seconds(after.time - before.time), cpuSeconds: after.cpu - before.cpu, rssMiB: rss,
            framesSent: after.sent - before.sent, framesReceived: after.received - before.received)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

extension PacerPhases: ExpressibleByArgument {}
