import Foundation
import Logging
import NIOConcurrencyHelpers

/// One JSON object per log line (`--log-format json`), for log shippers (Loki, Elasticsearch,
/// Cloud Logging): `ts` (RFC 3339, UTC, milliseconds), `level`, `logger`, `msg`, `source`, and
/// every metadata key as a field of its own (`call.id`, `sip.call_id`, …), so a call's lines
/// can be found by its ids. Lines are written whole, under a lock.
struct JSONLogHandler: LogHandler {
    /// Where finished lines go (standard error in the app; a buffer in tests).
    typealias Output = @Sendable (String) -> Void

    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: Output

    init(label: String, output: @escaping Output = JSONLogHandler.standardError) {
        self.label = label
        self.output = output
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()), ("level", Self.quoted(event.level.rawValue)), ("logger", Self.quoted(label)),
            ("msg", Self.quoted(event.message.description)), ("source", Self.quoted(event.source)),
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() where !["ts", "level", "logger", "msg", "source"].contains(key) {
            fields.append((key, Self.json(merged[key]!)))
        }
        output("{" + fields.map { "\(Self.quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}")
    }

    /// A metadata value as JSON: strings (and string-convertibles) quoted, lists and
    /// dictionaries nested.
    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let convertible): quoted(convertible.description)
        case .array(let items): "[" + items.map(json).joined(separator: ",") + "]"
        case .dictionary(let entries):
            "{" + entries.keys.sorted().map { "\(quoted($0)):\(json(entries[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// `2026-11-26T08:20:01.123Z`.
    static func timestamp(_ date: Date = Date()) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let millis = Int((seconds - Double(whole)) * 1000)
        var parts = tm()
        gmtime_r(&whole, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fraction = millis < 10 ? "00\(millis)" : (millis < 100 ? "0\(millis)" : "\(millis)")
        return "\"\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z\""
    }

    private static let lock = NIOLock()

    /// Writes a line to standard error in one `write`, serialised across threads.
    static let standardError: Output = { line in
        let bytes = Array((line + "\n").utf8)
        lock.withLock {
            bytes.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
    }
}
