import Foundation
import Testing

/// The checkout and the `sipbridge` executable that `swift build --build-tests` made, for the
/// tests that run the real process (drain, reload, faults, demo, scale-out, deploy configs).
enum BuiltBridge {
    /// The package root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    /// The debug executable.
    static var binary: String { root.appendingPathComponent(".build/debug/sipbridge").path }

    /// The executable's path; a failed requirement when it has not been built.
    static func require() throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the sipbridge executable first")
        return binary
    }
}
