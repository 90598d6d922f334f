// swift-tools-version:6.2
import PackageDescription

/// Coverage-guided fuzzing of sipbridge's parsers with libFuzzer (issue 8), in a package of its
/// own so that `swift build` and `swift test` of the main package never build it. Each target
/// exports `LLVMFuzzerTestOneInput`; libFuzzer supplies `main`. Build and run with
/// `scripts/fuzz-coverage` (which passes `-sanitize=fuzzer,address -parse-as-library`).
let package = Package(
    name: "sipbridge-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sipbridge", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzSIP",
            dependencies: [
                "FuzzSupport", .product(name: "SIPIngress", package: "sipbridge"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .executableTarget(name: "FuzzSDP", dependencies: ["FuzzSupport", .product(name: "SIPIngress", package: "sipbridge")]),
        .executableTarget(
            name: "FuzzRTP",
            dependencies: [
                "FuzzSupport", .product(name: "RTPMedia", package: "sipbridge"), .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "FuzzStreamJSON",
            dependencies: [
                "FuzzSupport", .product(name: "WSEgress", package: "sipbridge"), .product(name: "NIOCore", package: "swift-nio"),
            ]),
    ]
)
