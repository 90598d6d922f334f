import NIOSSL
import SIPIngress
import Transcode
import WSEgress

/// The bridge's configuration after validation: every default applied once, every value typed.
/// The YAML contract is in `docs/configuration.md`; the mapping lives in `BridgeConfig+YAML`.
struct BridgeConfig: Sendable {
    /// `sip.*`.
    struct SIP: Sendable {
        /// Address and port from `sip.listen` (`udp://HOST:PORT`).
        var listenHost = "0.0.0.0"
        var listenPort = 5060
        /// `sip.advertised_address`: the address in Via, Contact and SDP; when `nil`, the
        /// listen address, or the first non-loopback IPv4 address when listening on 0.0.0.0.
        var advertisedAddress: String?
        /// `sip.max_calls`: INVITEs beyond this many active calls get 503.
        var maxCalls = 1000
        /// RFC 3261 T1/T2/T4.
        var timers = SIPTimerValues()
        /// `sip.trusted_sources`, `sip.untrusted_action`, `sip.rate_limit`.
        var admission = AdmissionPolicy()
        /// `sip.session_timer` (RFC 4028).
        var sessionTimer = SessionTimerSettings()
        /// `sip.registrations`.
        var registrations: [Registration] = []
        /// `sip.auth`: digest authentication of new INVITEs.
        var authentication: DigestAuthSettings?
        /// `tcp://` and `tls://` entries of `sip.listen`.
        var streamListeners: [StreamListener] = []
        /// `sip.tls`: the certificate and key for `tls://`, and the CA that client certificates
        /// must chain to (optional: without it clients are not asked for one).
        var tls: TLSFiles?

        struct StreamListener: Sendable, Hashable {
            var secure: Bool
            var host: String
            var port: Int
            var uri: String { "\(secure ? "tls" : "tcp")://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
        }

        struct TLSFiles: Sendable, Hashable {
            var certificate: String
            var privateKey: String
            var clientCA: String?
        }
    }

    /// `rtp.*`.
    struct RTP: Sendable {
        /// `rtp.address`: where RTP sockets bind.
        var address = "0.0.0.0"
        /// `rtp.port_range`.
        var portRange = 20000...29999
        /// `rtp.codecs`: preference order for the SDP answer.
        var codecs: [AudioCodec] = [.pcmu, .pcma]
        /// `rtp.max_queued_s`: the cap on audio queued for the caller.
        var maxQueuedSeconds = 120
        /// `rtp.reorder_ms`: how long a gap in the caller's RTP is held for a late packet.
        var reorderMilliseconds = 20
        /// `rtp.timeout_s`: no RTP for this long ends the call (0 = off).
        var timeoutSeconds = 60
        /// `rtp.silence_when_idle`: send silence when the AI has nothing to play (keeps NAT
        /// bindings and carrier RTP timers alive); `false` sends nothing (DTX).
        var silenceWhenIdle = true
        /// `rtp.rtcp_interval_s`: nominal RTCP report interval (RFC 3550 §6.2), 0 = no RTCP.
        var rtcpIntervalSeconds = 5
        /// `rtp.srtp`: SRTP with SDES keys (RFC 4568).
        var srtp = SRTP()
        /// `rtp.sockets`: `per_call` (a port pair per call) or `per_loop` (one pair per event
        /// loop shared by its calls, demultiplexed by the caller's address; fewer system calls).
        var sharedSockets = false
    }

    /// `status.*`.
    struct Status: Sendable {
        var host = "127.0.0.1"
        var port = 8080
        /// `status.token`: when set, every endpoint but `/healthz` and `/readyz` requires
        /// `Authorization: Bearer <token>`.
        var token: String?
    }

    /// One entry of `routes`.
    struct Route: Sendable {
        var name: String
        /// `match.to_user`: a regex on the To user (the Request-URI user when To has none);
        /// `nil` matches every call.
        var toUser: UserPattern?
        /// `match.from_user`: a regex on the From URI's user; `nil` matches every call.
        var fromUser: UserPattern?
        /// `match.request_user`: a regex on the Request-URI's user; `nil` matches every call.
        var requestUser: UserPattern?
        /// `match.source`: CIDR blocks the INVITE's source address must be in (empty = any).
        var sources: [AddressBlock] = []
        /// `match.headers`: header name → regex its first value must match (absent = no match).
        var headers: [(name: String, pattern: UserPattern)] = []
        var stream: Stream
        /// `max_calls`: calls on this route beyond this many get 503 + Retry-After.
        var maxCalls: Int?
        /// `codecs`: this route's preference order for the SDP answer (`nil`: `rtp.codecs`).
        var codecs: [AudioCodec]?
        /// `answer`: when the 200 OK goes out.
        var answer = AnswerMode.immediate
        /// `answer_delay_ms`: with `ringing` or `early_media`, how long after the stream is up
        /// the call is answered (the AI can greet during early media).
        var answerDelayMilliseconds = 0
    }

    /// `routes[].answer`.
    enum AnswerMode: String, Sendable, CaseIterable {
        /// 200 OK as soon as the stream is up (default).
        case immediate
        /// 180 Ringing at once, 200 OK after the stream is up and `answer_delay_ms`.
        case ringing
        /// 183 Session Progress with the SDP answer once the stream is up — media flows both
        /// ways before the answer (RFC 3960 early media) — then 200 OK after `answer_delay_ms`.
        case earlyMedia = "early_media"
    }

    /// `routes[].stream`.
    struct Stream: Sendable {
        /// `url`: a ws/wss URL template (`{call_id}`, `{stream_id}`, `{from_user}`, `{to_user}`,
        /// and the route regexes' named groups as `{name}`).
        var url: String
        /// `content_type`.
        var contentType = AudioFormat.mulaw8k
        /// `bidirectional`: whether `playAudio` etc. are honoured (spec §1).
        var bidirectional = true
        /// `extra_headers`: sent on the WebSocket upgrade request.
        var extraHeaders: [(name: String, value: String)] = []
        /// `stream_timeout_s`: the stream (and call) ends after this long (spec §1).
        var streamTimeoutSeconds = 86_400
        /// `connect_timeout_ms`: WebSocket connect + upgrade budget; past it the INVITE gets 503.
        var connectTimeoutMilliseconds = 5_000
        /// `account_id`: sent as `start.accountId` (spec §3.1).
        var accountID = "0"
        /// `dtmf_events`: send the Plivo-shaped `dtmf` event for key presses (spec §3.5, §9).
        var dtmfEvents = true
        /// `l16_inbound_byte_order`: L16 byte order in `media` events (spec §6: big-endian).
        var l16InboundByteOrder = L16ByteOrder.big
        /// `l16_outbound_byte_order`: L16 byte order of `playAudio` payloads (spec §6: little).
        var l16OutboundByteOrder = L16ByteOrder.little
        /// `ping_interval_s`: WebSocket ping period; two unanswered pings end the stream (0 = off).
        var pingIntervalSeconds = 20
        /// `max_backlog_ms`: media held while the AI server is not reading; older is dropped.
        var maxBacklogMilliseconds = 2000
        /// `audio_track`: which directions go to the AI server as `media` (spec §1 audioTrack).
        var tracks: [Track] = [.inbound]
        /// `send_stop_on_hangup`: send `stop` before closing when the caller hangs up (spec §3.6).
        var sendStopOnHangup = false
        /// `drain_on_stop`: on the AI server's `stop`, play queued audio out before hanging up.
        var drainOnStop = false
        /// `reconnect_max_retries`: attempts to reopen a stream lost mid-call (0 = hang up).
        var reconnectMaxRetries = 0
        /// `dialect`: the wire protocol (spec §7).
        var dialect = StreamDialect.vobiz
        /// `tls`: the client TLS context for `wss://` (`nil`: system trust store, no client
        /// certificate).
        var tlsContext: NIOSSLContext?
        /// Which `tls` files were given (CA file, client certificate), for the effective config.
        var tlsFiles = (caFile: false, clientCertificate: false)
        /// `status_callback_url`: where stream status callbacks go (spec §5.8); `nil` = none.
        var statusCallbackURL: String?
        /// `status_callback_method`: `POST` (form body) or `GET` (query).
        var statusCallbackMethod = StatusCallback.Method.post
        /// `parameters`: name → template, sent in `start` (`extra_headers` text; Twilio:
        /// `customParameters`), with the URL template's placeholders filled in (not encoded).
        var parameters: [(name: String, value: String)] = []
    }

    var sip = SIP()
    var rtp = RTP()
    var status = Status()
    /// `records.cdr_path`: where call records go (JSON lines); `nil` = standard output.
    var cdrPath: String?
    /// `records.enabled`: whether call records are written at all.
    var recordsEnabled = true
    /// `shutdown.drain_timeout_s`: on SIGTERM/SIGINT or `POST /drain`, how long calls in
    /// progress may go on before the bridge hangs them up.
    var drainTimeoutSeconds = 30
    var routes: [Route] = []
}

/// A compiled route regex. `Regex` is an immutable value, safe to share between threads.
struct UserPattern: @unchecked Sendable {
    let source: String
    let regex: Regex<AnyRegexOutput>

    init(_ source: String) throws {
        self.source = source
        self.regex = try Regex(source)
    }

    /// Whether the pattern matches anywhere in `user` (use `^…$` to anchor).
    func matches(_ user: String) -> Bool {
        (try? regex.firstMatch(in: user)) != nil
    }

    /// The named groups' values when the pattern matches `text` (a group that did not take
    /// part is empty); `nil` when it does not match.
    func captures(in text: String) -> [String: String]? {
        guard let match = try? regex.firstMatch(in: text) else { return nil }
        var values: [String: String] = [:]
        for element in match.output {
            if let name = element.name { values[name] = element.substring.map(String.init) ?? "" }
        }
        return values
    }

    /// The names of the pattern's named groups: `(?<name>…)`, `(?'name'…)` and `(?P<name>…)`.
    var captureNames: [String] {
        var names: [String] = []
        var rest = source[...]
        while let open = rest.firstIndex(of: "(") {
            var after = rest[rest.index(after: open)...]
            guard after.first == "?" else {
                rest = after
                continue
            }
            after = after.dropFirst()
            if open > source.startIndex, source[source.index(before: open)] == "\\" {
                rest = after  // an escaped parenthesis is a literal
                continue
            }
            if after.hasPrefix("P<") { after = after.dropFirst(2) } else if after.hasPrefix("<") || after.hasPrefix("'") {
                after = after.dropFirst()
            } else {
                rest = after
                continue
            }
            let name = after.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty, URLTemplate.isIdentifier(name) { names.append(String(name)) }
            rest = after
        }
        return names
    }
}
