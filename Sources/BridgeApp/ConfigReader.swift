import Foundation
import Yams

/// A configuration error: the key path and what is wrong with it.
struct ConfigIssue: Hashable, Sendable, CustomStringConvertible {
    /// The YAML key path, e.g. `routes[0].stream.url`.
    let path: String
    /// What is wrong.
    let message: String

    var description: String { "\(path): \(message)" }
}

/// Every problem found in a configuration file, by key path (the whole file is checked; the
/// first error does not hide the others).
struct ConfigError: Error, CustomStringConvertible {
    let issues: [ConfigIssue]

    var description: String {
        "invalid configuration:\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Walks a YAML tree (Yams `Node`) with its key path, collecting issues instead of throwing,
/// so that `check-config` can list them all. Unknown keys are issues too.
final class ConfigReader {
    private(set) var issues: [ConfigIssue] = []
    private let environment: [String: String]

    init(environment: [String: String]) {
        self.environment = environment
    }

    func report(_ path: String, _ message: String) {
        issues.append(ConfigIssue(path: path, message: message))
    }

    /// The mapping at `path`, with every key checked against `allowed`.
    func mapping(_ node: Node?, _ path: String, allowed: Set<String>) -> [String: Node]? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else {
            report(path, "expected a mapping")
            return nil
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                report(path, "keys must be strings")
                continue
            }
            let child = path.isEmpty ? key : "\(path).\(key)"
            if !allowed.contains(key) {
                report(child, "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
            } else if result[key] != nil {
                report(child, "duplicate key")
            } else {
                result[key] = value
            }
        }
        return result
    }

    /// The sequence at `path`.
    func sequence(_ node: Node?, _ path: String) -> [Node]? {
        guard let node else { return nil }
        guard case .sequence(let sequence) = node else {
            report(path, "expected a list")
            return nil
        }
        return Array(sequence)
    }

    /// A string scalar, with `${NAME}` replaced from the environment.
    func string(_ node: Node?, _ path: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            report(path, "expected a string")
            return nil
        }
        return substitute(scalar.string, path)
    }

    /// An integer scalar within `range`.
    func int(_ node: Node?, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let node else { return nil }
        guard let text = string(node, path) else { return nil }
        guard let value = Int(text) else {
            report(path, "expected an integer, got \"\(text)\"")
            return nil
        }
        guard range.contains(value) else {
            report(path, "\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    /// A boolean scalar (`true`/`false`, YAML 1.2 core schema).
    func bool(_ node: Node?, _ path: String) -> Bool? {
        guard let node else { return nil }
        switch string(node, path)?.lowercased() {
        case "true": return true
        case "false": return false
        case nil: return nil
        case let other?:
            report(path, "expected true or false, got \"\(other)\"")
            return nil
        }
    }

    /// Replaces `${NAME}` with the environment variable `NAME` (secrets stay out of the file).
    private func substitute(_ text: String, _ path: String) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                report(path, "unterminated ${ in \"\(text)\"")
                return text
            }
            let name = String(rest[open.upperBound..<close])
            if let value = environment[name] {
                result += value
            } else {
                report(path, "environment variable \(name) is not set")
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
