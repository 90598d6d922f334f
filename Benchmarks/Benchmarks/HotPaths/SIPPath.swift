import Benchmark
import NIOCore
import NIOEmbedded
import SIPFixture
import SIPIngress

func sipBenchmarks(_ configuration: Benchmark.Configuration) {
    let box = StateBox(SIPPath(count: 1000))
    Benchmark("09a SIP INVITE parse: libosip2 + SIPMessage (1.1 kB carrier INVITE)", configuration: configuration) {
        benchmark in
        box.withState { path in
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                path.invites[index % 1000].withUnsafeReadableBytes { blackHole(try! SIPMessage(parsing: $0)) }
            }
            benchmark.stopMeasurement()
        }
    }
    let sdp = Array(SIPPath.invite(7).utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .drop { !$0.starts(with: "v=0".utf8) }.joined(separator: [UInt8(ascii: "\n")]))
    Benchmark("09b SDP offer parse: libosip2 + SessionDescription (4 formats)", configuration: configuration) {
        benchmark in
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try! SessionDescription(parsing: sdp)) }
        benchmark.stopMeasurement()
    }
    Benchmark("09 SIP INVITE in: parse + dispatch + 100 + 404 (1.1 kB carrier INVITE)", configuration: configuration) {
        benchmark in
        box.withState { path in
            path.reset()
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations { path.handle(index % 1000) }
            benchmark.stopMeasurement()
        }
    }
}
