// swift-tools-version:6.2
import PackageDescription

import class Foundation.ProcessInfo

/// Micro-benchmarks of sipbridge's per-frame hot paths (see README.md).
///
/// A separate package so that the main package does not pull in the benchmark harness, its
/// plugins or the malloc interposer. It depends on the main package by path and uses its
/// library products `Transcode`, `RTPMedia`, `WSEgress` and `SIPIngress`.
///
/// `SIPBRIDGE_PATH` points the dependency at another checkout of the main package (default
/// `..`), e.g. to compare two revisions.
let sipbridgePath = ProcessInfo.processInfo.environment["SIPBRIDGE_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? ".."

let package = Package(
    name: "sipbridge-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sipbridge", path: sipbridgePath),
        // The MallocInterposer trait gives the malloc metrics on Swift 6.3+ without jemalloc;
        // naming the trait list also leaves the RuntimeInterposer trait (ARC counters) off.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Transcode", package: "sipbridge"),
                .product(name: "RTPMedia", package: "sipbridge"),
                .product(name: "WSEgress", package: "sipbridge"),
                .product(name: "SIPIngress", package: "sipbridge"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                "SIPFixture",
            ],
            path: "Benchmarks/HotPaths",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The whole-bridge load generator (README.md "Load test"): a SIP/RTP caller fleet and
        // an echo agent in one process, driving a real `sipbridge` child process. Not under a
        // folder named `Benchmarks` (this package's root is one): the benchmark plugin runs every
        // executable target whose folder's parent has that name as a benchmark suite.
        .executableTarget(
            name: "sipbridge-load",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tools/Load",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Benchmark 9's INVITE path as a library, for the benchmark and for `sip-profile`.
        .target(
            name: "SIPFixture",
            dependencies: [
                .product(name: "SIPIngress", package: "sipbridge"),
                .product(name: "WSEgress", package: "sipbridge"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Tools/SIPFixture",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // That path in a plain loop for `perf record` (README.md "Profiling the SIP path").
        .executableTarget(
            name: "sip-profile",
            dependencies: ["SIPFixture", .product(name: "SIPIngress", package: "sipbridge")],
            path: "Tools/SIPProfile",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
