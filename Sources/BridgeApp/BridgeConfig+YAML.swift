import NIOCore
import SIPIngress
import Transcode
import WSEgress
import Yams

extension BridgeConfig {
    /// Parses and validates a YAML configuration.
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - environment: variables for `${NAME}` substitution.
    /// - Throws: `ConfigError` listing every problem by key path.
    static func parse(yaml: String, environment: [String: String]) throws -> BridgeConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(issues: [ConfigIssue(path: "(file)", message: "not valid YAML: \(error)")])
        }
        let reader = ConfigReader(environment: environment)
        var config = BridgeConfig()
        guard let root, let top = reader.mapping(root, "", allowed: ["sip", "rtp", "status", "shutdown", "records", "routes"]) else {
            throw ConfigError(issues: reader.issues + [ConfigIssue(path: "(file)", message: "expected a mapping with routes")])
        }
        if let sip = reader.mapping(top["sip"], "sip", allowed: ["listen", "advertised_address", "max_calls", "timers", "trusted_sources", "untrusted_action", "rate_limit", "session_timer", "tls", "auth", "registrations"]) {
            config.sip.parse(sip, reader)
        }
        if let rtp = reader.mapping(
            top["rtp"], "rtp", allowed: ["address", "port_range", "codecs", "max_queued_s", "reorder_ms", "timeout_s", "silence_when_idle", "rtcp_interval_s", "srtp", "sockets",
            ])
        {
            config.rtp.parse(rtp, reader)
            if config.rtp.srtp.mode == .require, config.rtp.srtp.requireTLS, !config.sip.streamListeners.contains(where: \.secure) {
                reader.report("rtp.srtp.mode", "require refuses every call without a tls:// entry in sip.listen (or rtp.srtp.require_tls: false)")
            }
        }
        if let status = reader.mapping(top["status"], "status", allowed: ["listen", "token"]) {
            if let listen = reader.string(status["listen"], "status.listen") {
                if let (host, port) = hostPort(listen) {
                    config.status.host = host
                    config.status.port = port
                } else {
                    reader.report("status.listen", "expected HOST:PORT, got \"\(listen)\"")
                }
            }
            if let token = reader.string(status["token"], "status.token") {
                if token.count < 16 {
                    reader.report("status.token", "too short: use at least 16 characters (e.g. ${STATUS_TOKEN})")
                } else {
                    config.status.token = token
                }
            }
        }
        if let shutdown = reader.mapping(top["shutdown"], "shutdown", allowed: ["drain_timeout_s"]),
            let value = reader.int(shutdown["drain_timeout_s"], "shutdown.drain_timeout_s", in: 0...86_400)
        {
            config.drainTimeoutSeconds = value
        }
        if let records = reader.mapping(top["records"], "records", allowed: ["cdr_path", "enabled"]) {
            if let path = reader.string(records["cdr_path"], "records.cdr_path") {
                if path.isEmpty { reader.report("records.cdr_path", "must not be empty") } else { config.cdrPath = path }
            }
            if let value = reader.bool(records["enabled"], "records.enabled") { config.recordsEnabled = value }
        }
        let routes = reader.sequence(top["routes"], "routes") ?? []
        if top["routes"] == nil || routes.isEmpty { reader.report("routes", "at least one route is required") }
        var names: Set<String> = []
        for (index, node) in routes.enumerated() {
            let path = "routes[\(index)]"
            guard let route = Route.parse(node, path, reader) else { continue }
            if !names.insert(route.name).inserted { reader.report("\(path).name", "duplicate route name \"\(route.name)\"") }
            config.routes.append(route)
        }
        guard reader.issues.isEmpty else { throw ConfigError(issues: reader.issues) }
        return config
    }

    /// Splits `HOST:PORT` (IPv6 as `[addr]:port`).
    static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}

extension BridgeConfig.SIP {
    fileprivate mutating func parse(_ sip: [String: Node], _ reader: ConfigReader) {
        if let node = sip["listen"] {
            // A single URI or a list: one udp://, plus tcp:// and tls:// listeners.
            let uris: [(String, String)]
            if case .sequence = node {
                uris = (reader.sequence(node, "sip.listen") ?? []).enumerated().compactMap { index, item in
                    reader.string(item, "sip.listen[\(index)]").map { ($0, "sip.listen[\(index)]") }
                }
            } else {
                uris = reader.string(node, "sip.listen").map { [($0, "sip.listen")] } ?? []
            }
            var udp = 0
            var malformed = false
            for (uri, path) in uris {
                let scheme = uri.lowercased().prefix { $0 != ":" }
                guard ["udp", "tcp", "tls"].contains(scheme), uri.dropFirst(scheme.count).hasPrefix("://") else {
                    reader.report(path, "expected udp://, tcp:// or tls://HOST:PORT, got \"\(uri)\"")
                    malformed = true
                    continue
                }
                guard let (host, port) = BridgeConfig.hostPort(String(uri.dropFirst(scheme.count + 3))) else {
                    reader.report(path, "expected \(scheme)://HOST:PORT, got \"\(uri)\"")
                    malformed = true
                    continue
                }
                if scheme == "udp" {
                    udp += 1
                    listenHost = host
                    listenPort = port
                } else {
                    streamListeners.append(StreamListener(secure: scheme == "tls", host: host, port: port))
                }
            }
            if udp != 1 && !malformed { reader.report("sip.listen", "exactly one udp:// listener is required (TCP and TLS come in addition)") }
        }
        if let address = reader.string(sip["advertised_address"], "sip.advertised_address") {
            if address.isEmpty || address.contains(" ") {
                reader.report("sip.advertised_address", "expected an IP address or host name")
            } else {
                advertisedAddress = address
            }
        }
        if let value = reader.int(sip["max_calls"], "sip.max_calls", in: 1...1_000_000) { maxCalls = value }
        if let timerNode = reader.mapping(sip["timers"], "sip.timers", allowed: ["t1_ms", "t2_ms", "t4_ms"]) {
            if let t1 = reader.int(timerNode["t1_ms"], "sip.timers.t1_ms", in: 50...10_000) { timers.t1 = .milliseconds(Int64(t1)) }
            if let t2 = reader.int(timerNode["t2_ms"], "sip.timers.t2_ms", in: 500...60_000) { timers.t2 = .milliseconds(Int64(t2)) }
            if let t4 = reader.int(timerNode["t4_ms"], "sip.timers.t4_ms", in: 500...60_000) { timers.t4 = .milliseconds(Int64(t4)) }
            if timers.t2 < timers.t1 { reader.report("sip.timers.t2_ms", "must not be smaller than t1_ms") }
        }
        parseAdmission(sip, reader)
        parseAuthentication(sip["auth"], reader)
        parseRegistrations(sip["registrations"], reader)
        if let node = reader.mapping(sip["tls"], "sip.tls", allowed: ["certificate", "private_key", "client_ca"]) {
            let certificate = reader.string(node["certificate"], "sip.tls.certificate")
            let key = reader.string(node["private_key"], "sip.tls.private_key")
            if certificate == nil { reader.report("sip.tls.certificate", "required (a PEM file)") }
            if key == nil { reader.report("sip.tls.private_key", "required (a PEM file)") }
            if let certificate, let key {
                tls = TLSFiles(certificate: certificate, privateKey: key, clientCA: reader.string(node["client_ca"], "sip.tls.client_ca"))
            }
        }
        if streamListeners.contains(where: \.secure) && sip["tls"] == nil {
            reader.report("sip.tls", "required by the tls:// listener (certificate and private_key)")
        }
        if let timer = reader.mapping(sip["session_timer"], "sip.session_timer", allowed: ["enabled", "session_expires_s", "min_se_s"]) {
            if let enabled = reader.bool(timer["enabled"], "sip.session_timer.enabled") { sessionTimer.enabled = enabled }
            if let value = reader.int(timer["min_se_s"], "sip.session_timer.min_se_s", in: 90...86_400) {
                sessionTimer.minimumSessionExpires = value
            }
            if let value = reader.int(timer["session_expires_s"], "sip.session_timer.session_expires_s", in: 90...86_400) {
                sessionTimer.sessionExpires = value
            }
            if sessionTimer.sessionExpires < sessionTimer.minimumSessionExpires {
                reader.report("sip.session_timer.session_expires_s", "must not be smaller than min_se_s")
            }
        }
    }

    private mutating func parseAdmission(_ sip: [String: Node], _ reader: ConfigReader) {
        if let items = reader.sequence(sip["trusted_sources"], "sip.trusted_sources") {
            admission.trustedSources = items.enumerated().compactMap { index, item in
                let path = "sip.trusted_sources[\(index)]"
                guard let text = reader.string(item, path) else { return nil }
                guard let block = AddressBlock(text) else {
                    reader.report(path, "expected an IPv4 or IPv6 address or CIDR block such as 203.0.113.0/24, got \"\(text)\"")
                    return nil
                }
                return block
            }
        }
        if let action = reader.string(sip["untrusted_action"], "sip.untrusted_action") {
            if let value = AdmissionPolicy.UntrustedAction(rawValue: action) {
                admission.untrustedAction = value
            } else {
                reader.report("sip.untrusted_action", "expected reject or drop, got \"\(action)\"")
            }
        }
        if let limit = reader.mapping(sip["rate_limit"], "sip.rate_limit", allowed: ["invites_per_second", "burst"]) {
            if let rate = reader.int(limit["invites_per_second"], "sip.rate_limit.invites_per_second", in: 0...100_000) {
                admission.invitesPerSecond = rate == 0 ? nil : Double(rate)
            }
            if let burst = reader.int(limit["burst"], "sip.rate_limit.burst", in: 1...100_000) { admission.inviteBurst = burst }
        }
    }
}

extension BridgeConfig.RTP {
    fileprivate mutating func parse(_ rtp: [String: Node], _ reader: ConfigReader) {
        if let address = reader.string(rtp["address"], "rtp.address") { self.address = address }
        if let range = reader.string(rtp["port_range"], "rtp.port_range") {
            let parts = range.split(separator: "-").map { String($0) }.map { Int($0.trimmedSpaces()) }
            if parts.count == 2, let low = parts[0], let high = parts[1], 1024 <= low, low < high, high <= 65535,
                high - low >= 3
            {
                portRange = low...high
            } else {
                reader.report("rtp.port_range", "expected LOW-HIGH with 1024 <= LOW < HIGH <= 65535 (at least two port pairs), got \"\(range)\"")
            }
        }
        if let codecs = parseCodecs(rtp["codecs"], "rtp.codecs", reader) { self.codecs = codecs }
        if let value = reader.int(rtp["max_queued_s"], "rtp.max_queued_s", in: 1...3600) { maxQueuedSeconds = value }
        if let value = reader.int(rtp["reorder_ms"], "rtp.reorder_ms", in: 0...200) { reorderMilliseconds = value }
        if let value = reader.int(rtp["timeout_s"], "rtp.timeout_s", in: 0...86_400) { timeoutSeconds = value }
        if let value = reader.bool(rtp["silence_when_idle"], "rtp.silence_when_idle") { silenceWhenIdle = value }
        if let value = reader.int(rtp["rtcp_interval_s"], "rtp.rtcp_interval_s", in: 0...60) { rtcpIntervalSeconds = value }
        srtp.parse(rtp["srtp"], reader)
        switch reader.string(rtp["sockets"], "rtp.sockets") {
        case nil, "per_call": sharedSockets = false
        case "per_loop": sharedSockets = true
        case let other?: reader.report("rtp.sockets", "expected per_call or per_loop, got \"\(other)\"")
        }
    }
}

extension BridgeConfig.Stream {
    static func parse(_ node: Node?, _ path: String, _ reader: ConfigReader) -> Self? {
        let allowed: Set<String> = [
            "url", "content_type", "bidirectional", "extra_headers", "stream_timeout_s", "connect_timeout_ms", "account_id",
            "dtmf_events", "l16_inbound_byte_order", "l16_outbound_byte_order", "ping_interval_s", "max_backlog_ms",
            "audio_track", "send_stop_on_hangup", "drain_on_stop", "reconnect_max_retries", "dialect", "parameters",
            "status_callback_url", "status_callback_method", "tls",
        ]
        guard let stream = reader.mapping(node, path, allowed: allowed) else { return nil }
        guard let url = reader.string(stream["url"], "\(path).url") else {
            if stream["url"] == nil { reader.report("\(path).url", "required") }
            return nil
        }
        if WebSocketURL(URLTemplate(url).expand(StreamIdentity.placeholder)) == nil {
            reader.report("\(path).url", "expected a ws:// or wss:// URL, got \"\(url)\"")
        }
        var result = BridgeConfig.Stream(url: url)
        if let type = reader.string(stream["content_type"], "\(path).content_type") {
            if let format = AudioFormat(contentType: type) {
                result.contentType = format
            } else {
                reader.report(
                    "\(path).content_type",
                    "supported: audio/x-mulaw;rate=8000, audio/x-l16;rate=8000|16000|24000, got \"\(type)\"")
            }
        }
        for (key, keyPath) in [("l16_inbound_byte_order", \Self.l16InboundByteOrder), ("l16_outbound_byte_order", \Self.l16OutboundByteOrder)] {
            guard let text = reader.string(stream[key], "\(path).\(key)") else { continue }
            if let order = L16ByteOrder(rawValue: text) {
                result[keyPath: keyPath] = order
            } else {
                reader.report("\(path).\(key)", "expected big or little, got \"\(text)\"")
            }
        }
        if let value = reader.bool(stream["bidirectional"], "\(path).bidirectional") { result.bidirectional = value }
        if let node = stream["extra_headers"] {
            guard case .mapping(let mapping) = node else {
                reader.report("\(path).extra_headers", "expected a mapping of header names to values")
                return nil
            }
            for (key, value) in mapping {
                let name = key.string ?? ""
                let headerPath = "\(path).extra_headers.\(name)"
                guard !name.isEmpty, name.utf8.allSatisfy(isHeaderTokenByte) else {
                    reader.report(headerPath, "not a valid HTTP header name")
                    continue
                }
                guard let text = reader.string(value, headerPath) else { continue }
                guard !text.contains("\r"), !text.contains("\n") else {
                    reader.report(headerPath, "header values must not contain line breaks")
                    continue
                }
                result.extraHeaders.append((name, text))
            }
        }
        if let value = reader.int(stream["stream_timeout_s"], "\(path).stream_timeout_s", in: 1...86_400 * 7) {
            result.streamTimeoutSeconds = value
        }
        if let value = reader.int(stream["connect_timeout_ms"], "\(path).connect_timeout_ms", in: 100...60_000) {
            result.connectTimeoutMilliseconds = value
        }
        if let value = reader.string(stream["account_id"], "\(path).account_id") { result.accountID = value }
        if let value = reader.bool(stream["dtmf_events"], "\(path).dtmf_events") { result.dtmfEvents = value }
        if let value = reader.int(stream["ping_interval_s"], "\(path).ping_interval_s", in: 0...3600) {
            result.pingIntervalSeconds = value
        }
        if let value = reader.int(stream["max_backlog_ms"], "\(path).max_backlog_ms", in: 100...60_000) {
            result.maxBacklogMilliseconds = value
        }
        if let text = reader.string(stream["audio_track"], "\(path).audio_track") {
            switch text {
            case "inbound": result.tracks = [.inbound]
            case "outbound": result.tracks = [.outbound]
            case "both": result.tracks = [.inbound, .outbound]
            default: reader.report("\(path).audio_track", "expected inbound, outbound or both, got \"\(text)\"")
            }
        }
        if let value = reader.bool(stream["send_stop_on_hangup"], "\(path).send_stop_on_hangup") { result.sendStopOnHangup = value }
        if let value = reader.bool(stream["drain_on_stop"], "\(path).drain_on_stop") { result.drainOnStop = value }
        if let value = reader.int(stream["reconnect_max_retries"], "\(path).reconnect_max_retries", in: 0...100) {
            result.reconnectMaxRetries = value
        }
        result.parseDialect(stream, path, reader)
        result.parseTLS(stream["tls"], path, reader)
        return result
    }
}

/// A codec preference list (`rtp.codecs`, `routes[].codecs`): known names, no repeats, not empty.
func parseCodecs(_ node: Node?, _ path: String, _ reader: ConfigReader) -> [AudioCodec]? {
    guard let list = reader.sequence(node, path) else { return nil }
    var codecs: [AudioCodec] = []
    for (index, item) in list.enumerated() {
        guard let name = reader.string(item, "\(path)[\(index)]") else { continue }
        guard let codec = AudioCodec(encodingName: name) else {
            reader.report("\(path)[\(index)]", "unknown codec \"\(name)\" (supported: PCMU, PCMA, G722)")
            continue
        }
        if codecs.contains(codec) { reader.report("\(path)[\(index)]", "\(codec) listed twice") }
        codecs.append(codec)
    }
    if list.isEmpty { reader.report(path, "at least one codec is required") }
    return codecs.isEmpty ? nil : codecs
}

/// RFC 7230 §3.2.6 `tchar`.
func isHeaderTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        true
    default:
        "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

extension String {
    fileprivate func trimmedSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
