import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import SIPFixture
import SIPIngress

// Benchmark 9's INVITE path (or 9a's parse alone) in a plain loop, for `perf record`: the
// benchmark runner only runs under the `swift package benchmark` plugin. Prints the time per
// message, minimum and median over the rounds, each round 1000 distinct INVITEs after the
// embedded loop's clock has let every timer of the previous round run out.
//
//     sip-profile [09|09a] [rounds]
let arguments = CommandLine.arguments.dropFirst()
let mode = arguments.first ?? "09"
guard mode == "09" || mode == "09a", let rounds = Int(arguments.dropFirst().first ?? "200"), (1...100_000).contains(rounds) else {
    print("usage: sip-profile [09|09a] [rounds 1-100000]")
    exit(2)
}
let path = SIPPath(count: 1000)
var vias = 0
var perMessage: [Double] = []
for _ in 0..<rounds {
    path.reset()
    let start = DispatchTime.now().uptimeNanoseconds
    if mode == "09a" {
        for index in 0..<1000 {
            path.invites[index].withUnsafeReadableBytes { vias += (try? SIPMessage(parsing: $0))?.vias.count ?? 0 }
        }
    } else {
        for index in 0..<1000 { path.handle(index) }
    }
    perMessage.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
}
perMessage.sort()
let minimum = (perMessage[0] * 10).rounded() / 10
let median = (perMessage[perMessage.count / 2] * 10).rounded() / 10
print("\(mode): µs per message over \(rounds) rounds of 1000: min \(minimum), median \(median)")
if mode == "09a", vias != rounds * 2000 { print("unexpected parse result (\(vias) Vias)") }
