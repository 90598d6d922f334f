import SIPIngress
import Yams

extension BridgeConfig.Route {
    /// Header names the SIP layer interprets; routes match on their users instead.
    static let interpretedHeaders: Set<String> = [
        "via", "v", "from", "f", "to", "t", "call-id", "i", "cseq", "contact", "m", "record-route", "route",
        "max-forwards", "content-type", "c", "content-length", "l",
    ]

    /// Parses `routes[i]`.
    static func parse(_ node: Node, _ path: String, _ reader: ConfigReader) -> Self? {
        guard let route = reader.mapping(node, path, allowed: ["name", "match", "stream", "max_calls", "answer", "answer_delay_ms", "codecs"])
        else { return nil }
        let name = reader.string(route["name"], "\(path).name")
        if route["name"] == nil { reader.report("\(path).name", "required") }
        var match = Match()
        if let node = reader.mapping(
            route["match"], "\(path).match", allowed: ["to_user", "from_user", "request_user", "source", "headers"])
        {
            match.parse(node, "\(path).match", reader)
        }
        let maxCalls = reader.int(route["max_calls"], "\(path).max_calls", in: 1...100_000)
        if route["stream"] == nil { reader.report("\(path).stream", "required") }
        guard let stream = BridgeConfig.Stream.parse(route["stream"], "\(path).stream", reader), let name else {
            return nil
        }
        var result = BridgeConfig.Route(
            name: name, toUser: match.users["to_user"], fromUser: match.users["from_user"],
            requestUser: match.users["request_user"], sources: match.sources, headers: match.headers,
            stream: stream, maxCalls: maxCalls)
        result.checkPlaceholders("\(path).stream.url", reader)
        result.codecs = parseCodecs(route["codecs"], "\(path).codecs", reader)
        if let answer = reader.string(route["answer"], "\(path).answer") {
            if let mode = BridgeConfig.AnswerMode(rawValue: answer) {
                result.answer = mode
            } else {
                reader.report("\(path).answer", "expected immediate, ringing or early_media, got \"\(answer)\"")
            }
        }
        if let delay = reader.int(route["answer_delay_ms"], "\(path).answer_delay_ms", in: 0...30_000) {
            result.answerDelayMilliseconds = delay
        }
        return result
    }

    /// Every pattern of the route, for capture names.
    private var patterns: [UserPattern] {
        [toUser, fromUser, requestUser].compactMap { $0 } + headers.map(\.pattern)
    }

    /// Rejects a URL placeholder that is neither built in nor a named group of this route.
    private func checkPlaceholders(_ path: String, _ reader: ConfigReader) {
        let captureNames = patterns.flatMap(\.captureNames)
        for name in captureNames where URLTemplate.builtInNames.contains(name) {
            reader.report(path, "the match group name \"\(name)\" is taken by the built-in {\(name)}; rename the group")
        }
        let known = URLTemplate.builtInNames.union(captureNames)
        let list = known.sorted().map { "{\($0)}" }.joined(separator: ", ")
        for name in URLTemplate(stream.url).placeholders where !known.contains(name) {
            reader.report(path, "unknown placeholder {\(name)} (known here: \(list))")
        }
        let streamPath = path.replacingSuffix(".url", with: "")
        for (parameter, value) in stream.parameters {
            for name in URLTemplate(value).placeholders where !known.contains(name) {
                reader.report("\(streamPath).parameters.\(parameter)", "unknown placeholder {\(name)} (known here: \(list))")
            }
        }
    }
}

/// `routes[].match`, as read.
private struct Match {
    var users: [String: UserPattern] = [:]
    var sources: [AddressBlock] = []
    var headers: [(name: String, pattern: UserPattern)] = []

    mutating func parse(_ match: [String: Node], _ path: String, _ reader: ConfigReader) {
        for key in ["to_user", "from_user", "request_user"] {
            guard let source = reader.string(match[key], "\(path).\(key)") else { continue }
            users[key] = Self.pattern(source, "\(path).\(key)", reader)
        }
        if let node = match["source"] {
            let items: [(Node, String)]
            if case .scalar = node {
                items = [(node, "\(path).source")]
            } else {
                items = (reader.sequence(node, "\(path).source") ?? []).enumerated().map { ($1, "\(path).source[\($0)]") }
            }
            for (item, itemPath) in items {
                guard let text = reader.string(item, itemPath) else { continue }
                guard let block = AddressBlock(text) else {
                    reader.report(itemPath, "expected an IPv4 or IPv6 address or CIDR block such as 203.0.113.0/24, got \"\(text)\"")
                    continue
                }
                sources.append(block)
            }
        }
        if let node = match["headers"] {
            guard case .mapping(let mapping) = node else {
                reader.report("\(path).headers", "expected a mapping of SIP header names to regular expressions")
                return
            }
            for (key, value) in mapping {
                let name = key.string ?? ""
                let headerPath = "\(path).headers.\(name)"
                guard !name.isEmpty, name.utf8.allSatisfy(isHeaderTokenByte) else {
                    reader.report(headerPath, "not a valid SIP header name")
                    continue
                }
                guard !BridgeConfig.Route.interpretedHeaders.contains(name.lowercased()) else {
                    reader.report(headerPath, "the SIP layer interprets this header; match on to_user, from_user or request_user")
                    continue
                }
                guard let source = reader.string(value, headerPath),
                    let pattern = Self.pattern(source, headerPath, reader)
                else { continue }
                headers.append((name, pattern))
            }
        }
    }

    private static func pattern(_ source: String, _ path: String, _ reader: ConfigReader) -> UserPattern? {
        do {
            return try UserPattern(source)
        } catch {
            reader.report(path, "not a valid regular expression: \(error)")
            return nil
        }
    }
}

extension String {
    fileprivate func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}
