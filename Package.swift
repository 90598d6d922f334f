// swift-tools-version:6.2
import PackageDescription

/// Strict from day one (STYLE.md rule 17): Swift 6 language mode plus the upcoming features
/// that keep imports and existentials explicit.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "sipbridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sipbridge", targets: ["BridgeApp"]),
        // The media libraries, for the benchmark package under Benchmarks/ (it depends on this
        // package by path, so `swift test` never builds the benchmarks).
        .library(name: "Transcode", targets: ["Transcode"]),
        .library(name: "RTPMedia", targets: ["RTPMedia"]),
        .library(name: "WSEgress", targets: ["WSEgress"]),
        .library(name: "SIPIngress", targets: ["SIPIngress"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // libosip2 (RFC 3261 message and RFC 4566 SDP parser), visible to SIPIngress only.
        .systemLibrary(
            name: "COSIP2",
            pkgConfig: "libosip2",
            providers: [.apt(["libosip2-dev"]), .brew(["libosip"])]
        ),
        // libsrtp2 (RFC 3711 SRTP/SRTCP), visible to RTPMedia only.
        .systemLibrary(
            name: "CSRTP2",
            pkgConfig: "libsrtp2",
            providers: [.apt(["libsrtp2-dev"]), .brew(["srtp"])]
        ),
        // Leaf: codecs, audio formats, frames. Pure Swift, no I/O.
        // The codecs and the resampler run per sample on every call's event loop: optimised even
        // in debug builds, or a second of 24 kHz audio costs ~150 ms and stalls the call's clock.
        .target(name: "Transcode", swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(
            name: "RTPMedia",
            dependencies: [
                "Transcode",
                "CSRTP2",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SIPIngress",
            dependencies: [
                "COSIP2",
                "Transcode",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WSEgress",
            dependencies: [
                "Transcode",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BridgeApp",
            dependencies: [
                "Transcode", "RTPMedia", "SIPIngress", "WSEgress",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared test helpers: fixture loading, a recording WebSocket agent, sipp driver.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TranscodeTests",
            dependencies: ["Transcode", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RTPMediaTests",
            dependencies: ["RTPMedia", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SIPIngressTests",
            dependencies: ["SIPIngress", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WSEgressTests",
            dependencies: ["WSEgress", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BridgeAppTests",
            dependencies: ["BridgeApp", "TestSupport"],
            exclude: ["Scenarios"],
            swiftSettings: swiftSettings
        ),
    ]
)
