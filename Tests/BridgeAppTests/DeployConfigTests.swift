import Foundation
import Testing
import TestSupport

/// Every example configuration under `deploy/` is accepted by `sipbridge check-config` (issue 6:
/// "example configs in deploy/ that check-config accepts (a CI test runs it on each)"). Each file
/// names the environment variables it needs on a `# env:` line; the test sets them to dummies.
struct DeployConfigTests {
    static let root = BuiltBridge.root

    static var examples: [String] {
        let deploy = root.appendingPathComponent("deploy")
        let files = FileManager.default.enumerator(atPath: deploy.path)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }

    private var binary: String { BuiltBridge.binary }

    @Test func thereAreExamplesForTheUsualTrunks() {
        #expect(Set(Self.examples).isSuperset(of: [
            "sipbridge.yaml", "examples/twilio.yaml", "examples/telnyx.yaml", "examples/generic-ip-trunk.yaml",
        ]))
    }

    @Test(arguments: examples)
    func checkConfigAcceptsTheExample(file: String) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the sipbridge executable first")
        let path = Self.root.appendingPathComponent("deploy/\(file)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let envLine = try #require(
            text.split(separator: "\n").first { $0.hasPrefix("# env:") }, "\(file) has no `# env:` line naming its variables")
        let names = envLine.dropFirst("# env:".count).split(separator: " ").map(String.init)
        let directory = try temporaryDirectory("deploy-config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let accepted = try ExternalProcess(
            "/usr/bin/env", ["-i"] + names.map { "\($0)=dummy-value-0123456789" } + [binary, "check-config", path], directory: directory)
        #expect(try await accepted.wait(timeout: .seconds(30)) == 0, "\(accepted.log)")
        #expect(accepted.log.contains("routes:"), "prints the effective configuration")
        #expect(!accepted.log.contains("dummy-value-0123456789"), "every value from the environment here is a secret: masked")
        // Without its variables the file is refused, naming each one: the `# env:` line is complete.
        if !names.isEmpty {
            let refused = try ExternalProcess("/usr/bin/env", ["-i", binary, "check-config", path], directory: directory)
            #expect(try await refused.wait(timeout: .seconds(30)) == 1)
            for name in names { #expect(refused.log.contains(name), "\(refused.log)") }
        } else {
            #expect(!text.contains("${"), "\(file) uses a variable its `# env:` line does not name")
        }
    }
}
