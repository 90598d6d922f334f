import Testing

@testable import BridgeApp

/// `check-config` prints the effective configuration (issue 6): every default filled in, secrets
/// masked, and — without secrets — text that reads back as the same configuration.
@Suite struct EffectiveConfigTests {
    static let yaml = """
        sip: { listen: "udp://127.0.0.1:5070", max_calls: 7 }
        rtp: { port_range: "30000-30099", codecs: [G722, PCMU] }
        routes:
          - name: bot
            match: { to_user: "^\\\\+9180" }
            stream:
              url: "wss://agent.example.com/ws?c={from_user}"
              content_type: "audio/x-l16;rate=16000"
              audio_track: both
              reconnect_max_retries: 2
          - name: default
            match: {}
            stream: { url: "ws://127.0.0.1:9000/ws" }
        """

    @Test func everyDefaultIsSpelledOutAndReadsBackTheSame() throws {
        let config = try BridgeConfig.parse(yaml: Self.yaml, environment: [:])
        let text = config.effectiveYAML()
        for line in [
            "  max_calls: 7", "  codecs: [G722, PCMU]", "  reorder_ms: 20", "  timeout_s: 60", "  drain_timeout_s: 30",
            "      content_type: \"audio/x-l16;rate=16000\"", "      audio_track: both", "      ping_interval_s: 20",
            "      reconnect_max_retries: 2", "      l16_inbound_byte_order: big",
        ] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
        let again = try BridgeConfig.parse(yaml: text, environment: [:])
        #expect(again.effectiveYAML() == text)
        #expect(again.routes.map(\.name) == ["bot", "default"])
        #expect(again.routes[0].toUser?.matches("+918012345") == true)
    }

    @Test func secretsAreMasked() throws {
        let yaml = """
            status: { token: "${STATUS_TOKEN}" }
            routes:
              - name: bot
                match: {}
                stream:
                  url: "ws://127.0.0.1:9000/ws"
                  extra_headers: { Authorization: "Bearer ${AGENT_TOKEN}", X-Tenant: acme }
            """
        let config = try BridgeConfig.parse(
            yaml: yaml, environment: ["STATUS_TOKEN": "status-secret-0123456789", "AGENT_TOKEN": "agent-secret-42"])
        let text = config.effectiveYAML()
        #expect(!text.contains("status-secret") && !text.contains("agent-secret") && !text.contains("acme"))
        #expect(text.contains("  token: \"***\"\n"))
        #expect(text.contains("      extra_headers: { Authorization: \"***\", X-Tenant: \"***\" }\n"))
    }
}

/// The start-up warning for a bridge that takes calls from anyone.
struct OpenAdmissionWarningTests {
    private func warning(_ sip: String) throws -> String? {
        try BridgeConfig.parse(
            yaml: "sip: \(sip)\nroutes: [{ name: r, match: {}, stream: { url: \"ws://a/ws\" } }]",
            environment: ["P": "secret"]
        ).openAdmissionWarning
    }

    @Test func warnsOnlyWhenAnyoneCanCall() throws {
        #expect(try warning("{ listen: \"udp://0.0.0.0:5060\" }")?.contains("sip.trusted_sources is empty") == true)
        #expect(try warning("{ listen: [\"udp://127.0.0.1:5060\", \"tcp://0.0.0.0:5060\"] }") != nil)
        #expect(try warning("{ listen: \"udp://127.0.0.1:5060\" }") == nil, "loopback only")
        #expect(try warning("{ listen: \"udp://0.0.0.0:5060\", trusted_sources: [\"192.0.2.0/24\"] }") == nil)
        #expect(try warning("{ listen: \"udp://0.0.0.0:5060\", auth: { realm: r, users: { u: \"${P}\" } } }") == nil)
    }
}
