import Foundation
import NIOCore
import SIPIngress
import Transcode
import WSEgress

extension BridgeConfig {
    /// The effective configuration as YAML, every default filled in (what `check-config`
    /// prints on success). Secrets — `status.token`, `sip.auth` and `sip.registrations` passwords and every `extra_headers` value — are
    /// masked, so the output can go into a ticket or a log.
    func effectiveYAML() -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func milliseconds(_ amount: Int64) -> Int64 { amount / 1_000_000 }
        func matchText(_ route: Route) -> String {
            let patterns = [("to_user", route.toUser), ("from_user", route.fromUser), ("request_user", route.requestUser)]
                .compactMap { key, pattern in pattern.map { "\(key): \(quoted($0.source))" } }
                + (route.sources.isEmpty ? [] : ["source: [\(route.sources.map { quoted($0.description) }.joined(separator: ", "))]"])
                + (route.headers.isEmpty
                    ? [] : ["headers: { \(route.headers.map { "\($0.name): \(quoted($0.pattern.source))" }.joined(separator: ", ")) }"])
            return patterns.isEmpty ? "{}" : "{ " + patterns.joined(separator: ", ") + " }"
        }
        let advertised: String = sip.advertisedAddress.map { "  advertised_address: \(quoted($0))" }
            ?? "  # advertised_address: not set (the listen address, or the first non-loopback one)"
        let token: String = status.token == nil ? "  # token: not set (no authentication)" : "  token: \"***\""
        let records: String = cdrPath.map { "  cdr_path: \(quoted($0))" } ?? "  # cdr_path: not set (standard output)"
        let t1 = milliseconds(sip.timers.t1.nanoseconds)
        let t2 = milliseconds(sip.timers.t2.nanoseconds)
        let t4 = milliseconds(sip.timers.t4.nanoseconds)
        let listeners = ["udp://\(sip.listenHost):\(sip.listenPort)"] + sip.streamListeners.map(\.uri)
        var lines: [String] = ["sip:", "  listen: [\(listeners.map(quoted).joined(separator: ", "))]", advertised]
        if let tls = sip.tls {
            let ca = tls.clientCA.map { ", client_ca: \(quoted($0))" } ?? ""
            lines.append("  tls: { certificate: \(quoted(tls.certificate)), private_key: \(quoted(tls.privateKey))\(ca) }")
        }
        lines.append("  max_calls: \(sip.maxCalls)")
        lines.append("  timers: { t1_ms: \(t1), t2_ms: \(t2), t4_ms: \(t4) }")
        let sources = sip.admission.trustedSources.map { quoted($0.description) }.joined(separator: ", ")
        lines.append("  trusted_sources: [\(sources)]" + (sources.isEmpty ? "  # every source" : ""))
        lines.append("  untrusted_action: \(sip.admission.untrustedAction.rawValue)")
        lines += sip.authenticationYAML(quoted: quoted)
        lines += sip.registrationsYAML(quoted: quoted)
        let timer = sip.sessionTimer
        lines.append(
            "  session_timer: { enabled: \(timer.enabled), session_expires_s: \(timer.sessionExpires), min_se_s: \(timer.minimumSessionExpires) }")
        let rate = sip.admission.invitesPerSecond.map { Int($0) } ?? 0
        lines.append("  rate_limit: { invites_per_second: \(rate), burst: \(sip.admission.inviteBurst) }" + (rate == 0 ? "  # 0: no limit" : ""))
        lines += [
            "rtp:",
            "  address: \(quoted(rtp.address))",
            "  port_range: \(quoted("\(rtp.portRange.lowerBound)-\(rtp.portRange.upperBound)"))",
            "  codecs: [\(rtp.codecs.map(\.rawValue).joined(separator: ", "))]",
            "  max_queued_s: \(rtp.maxQueuedSeconds)",
            "  reorder_ms: \(rtp.reorderMilliseconds)",
            "  timeout_s: \(rtp.timeoutSeconds)",
            "  silence_when_idle: \(rtp.silenceWhenIdle)",
            "  rtcp_interval_s: \(rtp.rtcpIntervalSeconds)",
            rtp.srtp.yaml,
        ]
        lines += ["status:", "  listen: \(quoted("\(status.host):\(status.port)"))", token]
        lines += ["shutdown:", "  drain_timeout_s: \(drainTimeoutSeconds)"]
        lines += ["records:", "  enabled: \(recordsEnabled)", records, "routes:"]
        for route in routes {
            let stream = route.stream
            let tracks = stream.tracks.count == 2 ? "both" : stream.tracks.first.map(\.rawValue) ?? "inbound"
            lines += [
                "  - name: \(quoted(route.name))",
                "    match: \(matchText(route))",
                route.maxCalls.map { "    max_calls: \($0)" } ?? "    # max_calls: not set",
                route.codecs.map { "    codecs: [\($0.map(\.rawValue).joined(separator: ", "))]" } ?? "    # codecs: not set (rtp.codecs)",
                "    answer: \(route.answer.rawValue)",
                "    answer_delay_ms: \(route.answerDelayMilliseconds)",
                "    stream:",
                "      url: \(quoted(stream.url))",
                "      content_type: \(quoted(stream.contentType.contentType))",
                "      l16_inbound_byte_order: \(stream.l16InboundByteOrder.rawValue)",
                "      l16_outbound_byte_order: \(stream.l16OutboundByteOrder.rawValue)",
                "      audio_track: \(tracks)",
                "      bidirectional: \(stream.bidirectional)",
                "      extra_headers: {\(stream.extraHeaders.map { " \($0.name): \(quoted("***"))" }.joined(separator: ","))\(stream.extraHeaders.isEmpty ? "" : " ")}",
                "      account_id: \(quoted(stream.accountID))",
                "      connect_timeout_ms: \(stream.connectTimeoutMilliseconds)",
                "      stream_timeout_s: \(stream.streamTimeoutSeconds)",
                "      ping_interval_s: \(stream.pingIntervalSeconds)",
                "      max_backlog_ms: \(stream.maxBacklogMilliseconds)",
                "      reconnect_max_retries: \(stream.reconnectMaxRetries)",
                "      dtmf_events: \(stream.dtmfEvents)",
                "      send_stop_on_hangup: \(stream.sendStopOnHangup)",
                "      drain_on_stop: \(stream.drainOnStop)",
                "      dialect: \(stream.dialect.rawValue)",
                stream.statusCallbackURL.map { "      status_callback_url: \(quoted($0))" } ?? "      # status_callback_url: not set",
                "      status_callback_method: \(stream.statusCallbackMethod.rawValue)",
                stream.tlsContext == nil
                    ? "      # tls: not set (wss:// uses the system trust store)"
                    : "      # tls: loaded (\(stream.tlsFiles.caFile ? "ca_file" : "system trust store")\(stream.tlsFiles.clientCertificate ? ", client certificate" : ""))",
                "      parameters: {\(stream.parameters.map { " \(quoted($0.name)): \(quoted($0.value))" }.joined(separator: ","))\(stream.parameters.isEmpty ? "" : " ")}",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension BridgeConfig {
    /// The start-up warning for a bridge anyone can call (ARCHITECTURE: an empty
    /// `sip.trusted_sources` warns at startup): no allow-list, no digest authentication, and a
    /// SIP listener that is not on loopback. `nil` when admission is restricted.
    var openAdmissionWarning: String? {
        guard sip.admission.trustedSources.isEmpty, sip.authentication == nil else { return nil }
        let hosts = [sip.listenHost] + sip.streamListeners.map(\.host)
        guard hosts.contains(where: { !($0.hasPrefix("127.") || $0 == "::1" || $0 == "localhost") }) else { return nil }
        return "sip.trusted_sources is empty and sip.auth is not set: any host that reaches the SIP port can place calls "
            + "(set sip.trusted_sources to your carrier's signalling addresses)"
    }
}
