import Foundation
public import Testing

/// Whether the tests run in a network namespace whose only interface is loopback.
///
/// The RFC 4475/5118 torture messages carry foreign addresses (192.0.2.x, 10.x, multicast,
/// broadcast) in Via, Contact and SDP. They are only ever fed to a stack that cannot reach
/// anything but loopback, so nothing it answers can leave the machine: `scripts/test` runs
/// the whole suite in such a namespace (`ip netns`), and these tests check it.
public enum NetworkIsolation {
    /// True when `/sys/class/net` lists nothing but `lo`.
    public static var onlyLoopback: Bool {
        guard let interfaces = try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net") else {
            return false
        }
        return interfaces == ["lo"]
    }

    /// The reason shown when a test is not run outside such a namespace.
    public static let reason: Comment =
        "feeds RFC 4475/5118 vectors with foreign addresses: runs only in a loopback-only network namespace (scripts/test)"
}
