import Transcode
import WSEgress
import Yams

extension BridgeConfig.Stream {
    /// `stream.dialect`, `stream.parameters` and the status callback keys (spec §5.7, §5.8, §7).
    mutating func parseDialect(_ stream: [String: Node], _ path: String, _ reader: ConfigReader) {
        if let text = reader.string(stream["dialect"], "\(path).dialect") {
            if let dialect = StreamDialect(rawValue: text) {
                self.dialect = dialect
            } else {
                reader.report("\(path).dialect", "expected vobiz, plivo or twilio, got \"\(text)\"")
            }
        }
        if dialect == .twilio {
            // Twilio Media Streams carry µ-law 8 kHz only, and always end with `stop`.
            if stream["content_type"] != nil, contentType != .mulaw8k {
                reader.report("\(path).content_type", "the twilio dialect carries audio/x-mulaw;rate=8000 only")
            }
            if stream["send_stop_on_hangup"] == nil { sendStopOnHangup = true }
        }
        if let url = reader.string(stream["status_callback_url"], "\(path).status_callback_url") {
            let lower = url.lowercased()
            if (lower.hasPrefix("http://") || lower.hasPrefix("https://")) && url.count > 8 && !url.contains(" ") {
                statusCallbackURL = url
            } else {
                reader.report("\(path).status_callback_url", "expected an http:// or https:// URL, got \"\(url)\"")
            }
        }
        if let text = reader.string(stream["status_callback_method"], "\(path).status_callback_method") {
            if let method = StatusCallback.Method(rawValue: text.uppercased()) {
                statusCallbackMethod = method
            } else {
                reader.report("\(path).status_callback_method", "expected GET or POST, got \"\(text)\"")
            }
        }
        guard let node = stream["parameters"] else { return }
        guard case .mapping(let mapping) = node else {
            return reader.report("\(path).parameters", "expected a mapping of names to values (templates like \"{from_user}\")")
        }
        for (key, value) in mapping {
            let name = key.string ?? ""
            let itemPath = "\(path).parameters.\(name)"
            guard !name.isEmpty else {
                reader.report(itemPath, "parameter names must be non-empty strings")
                continue
            }
            guard let text = reader.string(value, itemPath) else { continue }
            parameters.append((name, text))
        }
    }

    /// `start.extra_headers` (Twilio: `start.customParameters`): the parameters as the text of a
    /// JSON object, in configuration order, placeholders filled in.
    func startParameters(_ identity: StreamIdentity) -> String {
        guard !parameters.isEmpty else { return "{}" }
        let members = parameters.map { name, value in
            JSONLogHandler.quoted(name) + ":" + JSONLogHandler.quoted(URLTemplate(value).fill(identity))
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}
