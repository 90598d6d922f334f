import NIOCore
import SIPIngress
import Testing
import Transcode

@testable import BridgeApp

/// Configuration validation: defaults applied once, every error named by its key path.
struct ConfigTests {
    static let minimal = """
        routes:
          - name: r
            match: {}
            stream: { url: "ws://127.0.0.1:9000/ws" }
        """

    @Test func minimalConfigGetsTheDocumentedDefaults() throws {
        let config = try BridgeConfig.parse(yaml: Self.minimal, environment: [:])
        #expect(config.sip.listenHost == "0.0.0.0")
        #expect(config.sip.listenPort == 5060)
        #expect(config.sip.maxCalls == 1000)
        #expect(config.rtp.portRange == 20000...29999)
        #expect(!config.rtp.sharedSockets, "a port pair per call unless rtp.sockets says otherwise")
        #expect(config.rtp.codecs == [.pcmu, .pcma])
        #expect(config.rtp.srtp == BridgeConfig.SRTP(mode: .accept, requireTLS: true))
        #expect(config.status.host == "127.0.0.1")
        #expect(config.status.port == 8080)
        #expect(config.routes.count == 1)
        #expect(config.routes[0].stream.contentType == .mulaw8k)
        #expect(config.routes[0].stream.bidirectional)
        #expect(config.routes[0].toUser == nil)
    }

    @Test func fullConfigIsRead() throws {
        let yaml = """
            sip:
              listen: ["udp://127.0.0.1:5070"]
              advertised_address: 203.0.113.10
              max_calls: 7
              timers: { t1_ms: 250, t2_ms: 2000, t4_ms: 3000 }
            rtp:
              address: 127.0.0.1
              port_range: "30000-30099"
              codecs: [pcma, g722]
              max_queued_s: 30
              sockets: per_loop
            status:
              listen: "0.0.0.0:9090"
            routes:
              - name: bot
                match: { to_user: "^\\\\+9180" }
                stream:
                  url: "wss://agent.example.com/ws?c={from_user}"
                  content_type: "audio/x-l16;rate=24000"
                  l16_inbound_byte_order: little
                  bidirectional: false
                  extra_headers: { Authorization: "Bearer ${TOKEN}" }
                  stream_timeout_s: 600
                  connect_timeout_ms: 1500
                  account_id: "4821"
            """
        let config = try BridgeConfig.parse(yaml: yaml, environment: ["TOKEN": "s3cret"])
        #expect(config.sip.listenHost == "127.0.0.1")
        #expect(config.sip.listenPort == 5070)
        #expect(config.sip.advertisedAddress == "203.0.113.10")
        #expect(config.sip.maxCalls == 7)
        #expect(config.sip.timers.t1 == .milliseconds(250))
        #expect(config.rtp.portRange == 30000...30099)
        #expect(config.rtp.codecs == [.pcma, .g722])
        #expect(config.rtp.maxQueuedSeconds == 30)
        #expect(config.rtp.sharedSockets)
        #expect(config.status.host == "0.0.0.0" && config.status.port == 9090)
        let stream = config.routes[0].stream
        #expect(config.routes[0].toUser?.matches("+918012345") == true)
        #expect(config.routes[0].toUser?.matches("+4412345") == false)
        #expect(stream.contentType == AudioFormat(encoding: .l16, sampleRate: 24000))
        #expect(stream.l16InboundByteOrder == .little)
        #expect(stream.l16OutboundByteOrder == .little, "the spec's default for playAudio")
        #expect(!stream.bidirectional)
        #expect(stream.extraHeaders.map(\.value) == ["Bearer s3cret"])
        #expect(stream.streamTimeoutSeconds == 600)
        #expect(stream.connectTimeoutMilliseconds == 1500)
        #expect(stream.accountID == "4821")
    }

    /// Each broken fragment must produce an error at exactly this key path.
    @Test(arguments: [
        ("sip: { listen: \"tcp://0.0.0.0:5060\" }", "sip.listen"),
        ("sip: { listen: \"udp://nowhere\" }", "sip.listen"),
        ("sip: { max_calls: 0 }", "sip.max_calls"),
        ("sip: { max_calls: many }", "sip.max_calls"),
        ("sip: { colour: blue }", "sip.colour"),
        ("sip: { timers: { t1_ms: 5 } }", "sip.timers.t1_ms"),
        ("rtp: { port_range: \"20000\" }", "rtp.port_range"),
        ("rtp: { port_range: \"30000-20000\" }", "rtp.port_range"),
        ("rtp: { codecs: [G729] }", "rtp.codecs[0]"),
        ("rtp: { codecs: [PCMU, PCMU] }", "rtp.codecs[1]"),
        ("rtp: { codecs: [] }", "rtp.codecs"),
        ("rtp: { sockets: shared }", "rtp.sockets"),
        ("rtp: { srtp: { mode: always } }", "rtp.srtp.mode"),
        ("rtp: { srtp: { require_tls: maybe } }", "rtp.srtp.require_tls"),
        ("rtp: { srtp: { dtls: true } }", "rtp.srtp.dtls"),
        ("rtp: { srtp: { mode: require } }", "rtp.srtp.mode"),
        ("status: { listen: \"8080\" }", "status.listen"),
        ("status: { token: short }", "status.token"),
        ("shutdown: { drain_timeout_s: -1 }", "shutdown.drain_timeout_s"),
        ("shutdown: { grace: 5 }", "shutdown.grace"),
        ("records: { cdr_path: \"\" }", "records.cdr_path"),
        ("records: { enabled: sometimes }", "records.enabled"),
        ("bogus: 1", "bogus"),
        ("sip: { trusted_sources: [\"10.0.0.0/8\", \"10.0.0.0/40\"] }", "sip.trusted_sources[1]"),
        ("sip: { trusted_sources: 10.0.0.0/8 }", "sip.trusted_sources"),
        ("sip: { untrusted_action: ignore }", "sip.untrusted_action"),
        ("sip: { rate_limit: { invites_per_second: -1 } }", "sip.rate_limit.invites_per_second"),
        ("sip: { rate_limit: { per_minute: 5 } }", "sip.rate_limit.per_minute"),
        ("sip: { session_timer: { min_se_s: 30 } }", "sip.session_timer.min_se_s"),
        ("sip: { listen: [\"tcp://127.0.0.1:5060\"] }", "sip.listen"),
        ("sip: { listen: [\"udp://127.0.0.1:5060\", \"sctp://127.0.0.1:5060\"] }", "sip.listen[1]"),
        ("sip: { listen: [\"udp://127.0.0.1:5060\", \"tls://127.0.0.1:5061\"] }", "sip.tls"),
        ("sip: { tls: { certificate: c.pem } }", "sip.tls.private_key"),
        ("sip: { auth: { realm: x } }", "sip.auth.users"),
        ("sip: { auth: { users: { bob: \"${NOPE}\" } } }", "sip.auth.users.bob"),
        ("sip: { auth: { users: { bob: pw }, algorithms: [SHA-512] } }", "sip.auth.algorithms[0]"),
        ("sip: { auth: { users: { bob: pw }, nonce_ttl_s: 1 } }", "sip.auth.nonce_ttl_s"),
        ("sip: { registrations: [{ user: u, password: p }] }", "sip.registrations[0].registrar"),
        ("sip: { registrations: [{ registrar: \"h:99999\", user: u, password: p }] }", "sip.registrations[0].registrar"),
        ("sip: { registrations: [{ registrar: h, password: p }] }", "sip.registrations[0].user"),
        ("sip: { registrations: [{ registrar: h, user: u }] }", "sip.registrations[0].password"),
        ("sip: { registrations: [{ registrar: h, user: u, password: p, expires_s: 5 }] }", "sip.registrations[0].expires_s"),
        ("sip: { registrations: [{ registrar: h, user: u, password: p, proxy: x }] }", "sip.registrations[0].proxy"),
        ("sip: { session_timer: { session_expires_s: 100, min_se_s: 200 } }", "sip.session_timer.session_expires_s"),
        ("sip: { session_timer: { enabled: sometimes } }", "sip.session_timer.enabled"),
    ])
    func topLevelErrorsNameTheirKeyPath(fragment: String, path: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try BridgeConfig.parse(yaml: fragment + "\n" + Self.minimal, environment: [:])
        }
        #expect(error.issues.map(\.path) == [path], "\(error)")
    }

    @Test(arguments: [
        ("match: { to_user: \"([\" }\n    stream: { url: \"ws://a/ws\" }", "routes[0].match.to_user"),
        ("match: { via_host: \"x\" }\n    stream: { url: \"ws://a/ws\" }", "routes[0].match.via_host"),
        ("match: { from_user: \"(\" }\n    stream: { url: \"ws://a/ws\" }", "routes[0].match.from_user"),
        ("match: { request_user: \"[\" }\n    stream: { url: \"ws://a/ws\" }", "routes[0].match.request_user"),
        ("max_calls: 0\n    stream: { url: \"ws://a/ws\" }", "routes[0].max_calls"),
        ("answer: later\n    stream: { url: \"ws://a/ws\" }", "routes[0].answer"),
        ("answer_delay_ms: 60000\n    stream: { url: \"ws://a/ws\" }", "routes[0].answer_delay_ms"),
        ("stream: { url: \"http://a/ws\" }", "routes[0].stream.url"),
        ("stream: { }", "routes[0].stream.url"),
        ("stream: { url: \"ws://a/ws\", content_type: \"audio/x-mulaw;rate=16000\" }", "routes[0].stream.content_type"),
        ("stream: { url: \"ws://a/ws\", content_type: \"audio/opus\" }", "routes[0].stream.content_type"),
        ("stream: { url: \"ws://a/ws\", content_type: \"audio/x-l16;rate=44100\" }", "routes[0].stream.content_type"),
        ("stream: { url: \"ws://a/ws\", l16_outbound_byte_order: middle }", "routes[0].stream.l16_outbound_byte_order"),
        ("stream: { url: \"ws://a/ws\", audio_track: sideways }", "routes[0].stream.audio_track"),
        ("stream: { url: \"ws://a/ws\", ping_interval_s: -2 }", "routes[0].stream.ping_interval_s"),
        ("stream: { url: \"ws://a/ws\", max_backlog_ms: 5 }", "routes[0].stream.max_backlog_ms"),
        ("stream: { url: \"ws://a/ws\", reconnect_max_retries: 1000 }", "routes[0].stream.reconnect_max_retries"),
        ("stream: { url: \"ws://a/ws\", bidirectional: maybe }", "routes[0].stream.bidirectional"),
        ("stream: { url: \"ws://a/ws\", extra_headers: \"x\" }", "routes[0].stream.extra_headers"),
        ("stream: { url: \"ws://a/ws\", extra_headers: { \"Bad Name\": x } }", "routes[0].stream.extra_headers.Bad Name"),
        ("stream: { url: \"ws://a/ws\", extra_headers: { X-Key: \"${MISSING}\" } }", "routes[0].stream.extra_headers.X-Key"),
        ("stream: { url: \"ws://a/ws\", connect_timeout_ms: 5 }", "routes[0].stream.connect_timeout_ms"),
        ("stream: { url: \"ws://a/ws\", speed: 2 }", "routes[0].stream.speed"),
    ])
    func routeErrorsNameTheirKeyPath(body: String, path: String) throws {
        let yaml = "routes:\n  - name: r\n    " + body + "\n"
        let error = try #require(throws: ConfigError.self) { try BridgeConfig.parse(yaml: yaml, environment: [:]) }
        #expect(error.issues.map(\.path) == [path], "\(error)")
    }

    @Test func admissionRulesAreRead() throws {
        let yaml = """
            sip:
              trusted_sources: ["203.0.113.0/24", "2001:db8::/32", 198.51.100.7]
              untrusted_action: drop
              rate_limit: { invites_per_second: 20, burst: 40 }
            """ + "\n" + Self.minimal
        let admission = try BridgeConfig.parse(yaml: yaml, environment: [:]).sip.admission
        #expect(admission.trustedSources.map(\.description) == ["203.0.113.0/24", "2001:db8::/32", "198.51.100.7/32"])
        #expect(admission.untrustedAction == .drop)
        #expect(admission.invitesPerSecond == 20 && admission.inviteBurst == 40)
        let timers = try BridgeConfig.parse(
            yaml: "sip: { session_timer: { enabled: false, session_expires_s: 600, min_se_s: 120 } }\n" + Self.minimal, environment: [:])
        #expect(timers.sip.sessionTimer == SessionTimerSettings(enabled: false, sessionExpires: 600, minimumSessionExpires: 120))
        #expect(try BridgeConfig.parse(yaml: timers.effectiveYAML(), environment: [:]).sip.sessionTimer == timers.sip.sessionTimer)
        let defaults = try BridgeConfig.parse(yaml: Self.minimal, environment: [:]).sip.admission
        #expect(defaults == AdmissionPolicy())
        let text = try BridgeConfig.parse(yaml: yaml, environment: [:]).effectiveYAML()
        #expect(text.contains("  trusted_sources: [\"203.0.113.0/24\", \"2001:db8::/32\", \"198.51.100.7/32\"]\n"))
        #expect(try BridgeConfig.parse(yaml: text, environment: [:]).sip.admission == admission)
    }

    @Test func streamListenersAndTLSFilesAreRead() throws {
        let yaml = """
            sip:
              listen: ["tcp://0.0.0.0:5060", "udp://0.0.0.0:5060", "tls://[::]:5061"]
              tls: { certificate: /etc/sb/cert.pem, private_key: /etc/sb/key.pem, client_ca: /etc/sb/ca.pem }
            """ + "\n" + Self.minimal
        let config = try BridgeConfig.parse(yaml: yaml, environment: [:])
        #expect(config.sip.listenHost == "0.0.0.0" && config.sip.listenPort == 5060)
        #expect(config.sip.streamListeners.map(\.uri) == ["tcp://0.0.0.0:5060", "tls://[::]:5061"])
        #expect(config.sip.tls == .init(certificate: "/etc/sb/cert.pem", privateKey: "/etc/sb/key.pem", clientCA: "/etc/sb/ca.pem"))
        let text = config.effectiveYAML()
        #expect(text.contains("  listen: [\"udp://0.0.0.0:5060\", \"tcp://0.0.0.0:5060\", \"tls://[::]:5061\"]\n"))
        let again = try BridgeConfig.parse(yaml: text, environment: [:])
        #expect(again.sip.streamListeners == config.sip.streamListeners && again.sip.tls == config.sip.tls)
    }

    @Test func digestUsersComeFromTheEnvironmentAndArePrintedMasked() throws {
        let yaml = "sip: { auth: { realm: pbx, users: { carrier: \"${PW}\" }, algorithms: [sha-256] } }\n" + Self.minimal
        let config = try BridgeConfig.parse(yaml: yaml, environment: ["PW": "hunter2"])
        #expect(config.sip.authentication == DigestAuthSettings(realm: "pbx", users: ["carrier": "hunter2"], algorithms: [.sha256]))
        let text = config.effectiveYAML()
        #expect(text.contains("    users: { carrier: \"***\" }\n") && !text.contains("hunter2"))
    }

    @Test func registrationsAreReadWithDefaultsAndMaskedPasswords() throws {
        let yaml = """
            sip:
              registrations:
                - { registrar: "sip.provider.example", user: "+15550100", password: "${PW}" }
                - { registrar: "127.0.0.1:5080", domain: example.net, user: bob, auth_user: b7, password: x, expires_s: 120 }
            """ + "\n" + Self.minimal
        let config = try BridgeConfig.parse(yaml: yaml, environment: ["PW": "hunter2"])
        #expect(config.sip.registrations == [
            .init(registrarHost: "sip.provider.example", registrarPort: 5060, domain: "sip.provider.example", user: "+15550100",
                  authUser: "+15550100", password: "hunter2", expires: 600),
            .init(registrarHost: "127.0.0.1", registrarPort: 5080, domain: "example.net", user: "bob", authUser: "b7", password: "x",
                  expires: 120),
        ])
        let text = config.effectiveYAML()
        #expect(!text.contains("hunter2") && text.contains("password: \"***\""))
        // Resolution without DNS traffic: an IP literal and a name from /etc/hosts.
        var local = config.sip
        local.registrations[0].registrarHost = "localhost"
        let resolved = try local.resolvedRegistrations()
        #expect(resolved.map(\.registrarHost).allSatisfy { $0 == "127.0.0.1" || $0 == "::1" })
        #expect(resolved[1].registrarPort == 5080 && resolved[0].domain == "sip.provider.example")
    }

    @Test func unreadableTLSFilesStopTheStartNamingTheKey() throws {
        var sip = BridgeConfig.SIP()
        sip.streamListeners = [.init(secure: true, host: "127.0.0.1", port: 0)]
        sip.tls = .init(certificate: "/nonexistent/cert.pem", privateKey: "/nonexistent/key.pem")
        let error = try #require(throws: BridgeStartError.self) { try sip.makeStreamListeners() }
        #expect(error.description.hasPrefix("sip.tls.certificate: cannot load /nonexistent/cert.pem"))
    }

    @Test func everyErrorIsListedNotJustTheFirst() throws {
        let yaml = """
            sip: { max_calls: -1 }
            rtp: { codecs: [X] }
            routes:
              - name: a
                stream: { url: "ftp://x" }
              - name: a
                stream: { url: "ws://x/ws" }
            """
        let error = try #require(throws: ConfigError.self) { try BridgeConfig.parse(yaml: yaml, environment: [:]) }
        #expect(Set(error.issues.map(\.path)) == ["sip.max_calls", "rtp.codecs[0]", "routes[0].stream.url", "routes[1].name"])
    }

    @Test func missingRoutesAndBadYAMLAreReported() throws {
        let noRoutes = try #require(throws: ConfigError.self) { try BridgeConfig.parse(yaml: "sip: {}", environment: [:]) }
        #expect(noRoutes.issues.map(\.path) == ["routes"])
        let notYAML = try #require(throws: ConfigError.self) { try BridgeConfig.parse(yaml: "routes: [", environment: [:]) }
        #expect(notYAML.issues.map(\.path) == ["(file)"])
        let notMapping = try #require(throws: ConfigError.self) { try BridgeConfig.parse(yaml: "- 1", environment: [:]) }
        #expect(!notMapping.issues.isEmpty)
    }

    @Test func urlTemplatesArePercentEncoded() {
        let template = URLTemplate("ws://a/ws?from={from_user}&to={to_user}&call={call_id}&s={stream_id}")
        let url = template.expand(StreamIdentity(callID: "c1", streamID: "s1", fromUser: "+91 80&x=1", toUser: "bot"))
        #expect(url == "ws://a/ws?from=+91%2080%26x%3D1&to=bot&call=c1&s=s1")
    }

    @Test func routesMatchInOrderFirstWins() throws {
        let yaml = """
            routes:
              - { name: india, match: { to_user: "^\\\\+91" }, stream: { url: "ws://a/ws" } }
              - { name: any, match: {}, stream: { url: "ws://b/ws" } }
            """
        let table = RouteTable(routes: try BridgeConfig.parse(yaml: yaml, environment: [:]).routes)
        #expect(table.route(forUser: "+919876")?.name == "india")
        #expect(table.route(forUser: "+4420")?.name == "any")
        let strict = RouteTable(routes: [table.routes[0]])
        #expect(strict.route(forUser: "+4420") == nil)
    }

    /// Every pattern a route gives must match; the first route that fully matches wins.
    @Test func fromAndRequestUserPatternsNarrowARoute() throws {
        let yaml = """
            routes:
              - { name: vip, match: { to_user: "^support$", from_user: "^\\\\+4420" }, stream: { url: "ws://a/ws" } }
              - { name: sales, match: { request_user: "^sales" }, max_calls: 3, stream: { url: "ws://b/ws" } }
              - { name: any, match: {}, stream: { url: "ws://c/ws" } }
            """
        let config = try BridgeConfig.parse(yaml: yaml, environment: [:])
        let table = RouteTable(routes: config.routes)
        #expect(table.route(to: "support", from: "+442071234")?.name == "vip")
        #expect(table.route(to: "support", from: "+919876")?.name == "any")
        #expect(table.route(to: "x", from: "+442071234", request: "sales-eu")?.name == "sales")
        #expect(config.routes.map(\.maxCalls) == [nil, 3, nil])
    }
}
