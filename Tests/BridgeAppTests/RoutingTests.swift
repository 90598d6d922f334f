import Foundation
import NIOPosix
import SIPIngress
import Testing
import TestSupport
import Transcode

@testable import BridgeApp

/// Routing on source CIDR and named headers, and route regex captures in stream URL
/// templates (issue 6 "Routing, first match wins … captures usable in URL templates").
struct RoutingTests {
    private let yaml = """
        routes:
          - name: lab
            match: { source: "192.0.2.0/24" }
            stream: { url: "ws://lab/ws" }
          - name: tenant
            match:
              source: ["10.0.0.0/8", "127.0.0.0/8", "2001:db8::/32"]
              headers: { x-tenant: "^(?<tenant>[a-z]+)$" }
              to_user: "^\\\\+91(?<circle>\\\\d{2})"
            stream: { url: "ws://ai/{tenant}/{circle}?from={from_user}" }
          - name: diverted
            match: { headers: { Diversion: "<sip:(?P<original>\\\\+?\\\\d+)@" } }
            stream: { url: "ws://ai/diverted/{original}" }
          - name: any
            match: {}
            stream: { url: "ws://ai/any" }
        """

    private func table() throws -> RouteTable {
        RouteTable(routes: try BridgeConfig.parse(yaml: yaml, environment: [:]).routes)
    }

    @Test func sourceBlocksSelectARoute() throws {
        let table = try table()
        #expect(table.route(for: RouteQuery(source: "192.0.2.77"))?.route.name == "lab")
        #expect(table.route(for: RouteQuery(source: "192.0.3.1"))?.route.name == "any")
        // IPv4-mapped IPv6 sources (a dual-stack socket) are the IPv4 address.
        #expect(table.route(for: RouteQuery(source: "::ffff:192.0.2.9"))?.route.name == "lab")
    }

    @Test func everyConditionMustHoldAndNamedGroupsAreCaptured() throws {
        let table = try table()
        let headers = [SIPHeader("X-Tenant", "acme")]
        let hit = try #require(table.route(for: RouteQuery(toUser: "+918012345", source: "127.0.0.1", headers: headers)))
        #expect(hit.route.name == "tenant")
        #expect(hit.captures == ["tenant": "acme", "circle": "80"])
        // Header names match case-insensitively; a header that is absent fails the match.
        #expect(table.route(for: RouteQuery(toUser: "+918012345", source: "2001:db8::1", headers: [SIPHeader("X-TENANT", "b")]))?.route.name == "tenant")
        #expect(table.route(for: RouteQuery(toUser: "+918012345", source: "127.0.0.1"))?.route.name == "any")
        // Wrong header value, wrong source, wrong number: the route does not take the call.
        #expect(table.route(for: RouteQuery(toUser: "+918012345", source: "127.0.0.1", headers: [SIPHeader("X-Tenant", "Acme")]))?.route.name == "any")
        #expect(table.route(for: RouteQuery(toUser: "+918012345", source: "172.16.0.1", headers: headers))?.route.name == "any")
        #expect(table.route(for: RouteQuery(toUser: "+4420", source: "127.0.0.1", headers: headers))?.route.name == "any")
        let diverted = try #require(
            table.route(for: RouteQuery(headers: [SIPHeader("Diversion", "<sip:+4420123@carrier.example>;reason=no-answer")])))
        #expect(diverted.route.name == "diverted")
        #expect(diverted.captures == ["original": "+4420123"])
    }

    @Test func capturesExpandIntoTheStreamURL() throws {
        let route = try #require(try table().routes.first { $0.name == "tenant" })
        let identity = StreamIdentity(
            callID: "c", streamID: "s", fromUser: "+44 20", toUser: "+9180", captures: ["tenant": "a/b", "circle": "80"])
        #expect(URLTemplate(route.stream.url).expand(identity) == "ws://ai/a%2Fb/80?from=+44%2020")
        // Built-in names win over a capture of the same name; braces that are no placeholder stay.
        let template = URLTemplate("ws://x/{to_user}/{ odd }/{}")
        #expect(template.placeholders == ["to_user"])
        #expect(template.expand(StreamIdentity(callID: "", streamID: "", fromUser: "", toUser: "t", captures: ["to_user": "no"]))
            == "ws://x/t/{ odd }/{}")
    }

    @Test func captureNamesAreReadFromThePattern() throws {
        #expect(try UserPattern("^(?<a>x)(?'b'y)(?P<c_1>z)(?:w)(?=v)(?!t)\\(?<notagroup>\\)").captureNames == ["a", "b", "c_1"])
    }

    @Test(arguments: [
        ("routes: [{ name: r, match: { source: \"10.0.0.0/33\" }, stream: { url: \"ws://a/\" } }]", "routes[0].match.source"),
        ("routes: [{ name: r, match: { source: [\"ok\"] }, stream: { url: \"ws://a/\" } }]", "routes[0].match.source[0]"),
        ("routes: [{ name: r, match: { headers: [X] }, stream: { url: \"ws://a/\" } }]", "routes[0].match.headers"),
        ("routes: [{ name: r, match: { headers: { From: \"x\" } }, stream: { url: \"ws://a/\" } }]", "routes[0].match.headers.From"),
        ("routes: [{ name: r, match: { headers: { \"X Bad\": \"x\" } }, stream: { url: \"ws://a/\" } }]", "routes[0].match.headers.X Bad"),
        ("routes: [{ name: r, match: { headers: { X-A: \"(\" } }, stream: { url: \"ws://a/\" } }]", "routes[0].match.headers.X-A"),
        ("routes: [{ name: r, match: {}, stream: { url: \"ws://a/{tenant}\" } }]", "routes[0].stream.url"),
        ("routes: [{ name: r, match: { to_user: \"(?<to_user>.)\" }, stream: { url: \"ws://a/\" } }]", "routes[0].stream.url"),
        ("routes: [{ name: r, codecs: [PCMU, OPUS], stream: { url: \"ws://a/\" } }]", "routes[0].codecs[1]"),
        ("routes: [{ name: r, codecs: [], stream: { url: \"ws://a/\" } }]", "routes[0].codecs"),
    ])
    func badMatchesAreReportedByKeyPath(yaml: String, path: String) throws {
        let error = try #require(throws: ConfigError.self) { try BridgeConfig.parse(yaml: yaml, environment: [:]) }
        #expect(error.issues.map(\.path) == [path], "\(error.issues)")
    }

    @Test func theEffectiveConfigShowsSourceAndHeaders() throws {
        let text = try BridgeConfig.parse(yaml: yaml, environment: [:]).effectiveYAML()
        #expect(text.contains(#"source: ["10.0.0.0/8", "127.0.0.0/8", "2001:db8::/32"]"#), "\(text)")
        #expect(text.contains(#"headers: { x-tenant: "^(?<tenant>[a-z]+)$" }"#))
        #expect(try BridgeConfig.parse(yaml: text, environment: [:]).routes.map(\.headers.count) == [0, 1, 1, 0])
    }

    /// A real call: the INVITE's header and dialled number pick the route, and the captures
    /// reach the AI server in the URL it is asked to upgrade.
    @Test func aCallIsRoutedByHeaderAndSourceWithCapturesInTheURL() async throws {
        let tenantAgent = try await TestAgent.start()
        let route = """
              - name: tenant
                match:
                  source: "127.0.0.0/8"
                  headers: { X-Tenant: "^(?<tenant>[a-z]+)$" }
                  to_user: "^(?<dept>sales|support)$"
                stream: { url: "\(tenantAgent.url)/{tenant}/{dept}?from={from_user}" }
              - name: elsewhere
                match: { source: "192.0.2.0/24" }
                stream: { url: "ws://192.0.2.1/ws" }
            """
        let harness = try await BridgeHarness.start(rtpRangeIndex: 55, extraRoute: route)
        let tenantCaller = try await harness.caller()
        #expect(try await tenantCaller.invite(user: "sales", headers: ["X-Tenant: acme"]) == 200)
        let connection = try await tenantAgent.connection()
        #expect(connection.path == "/ws/acme/sales?from=caller")
        let plainCaller = try await harness.caller()
        #expect(try await plainCaller.invite(user: "sales") == 200)
        let fallback = try await harness.agent.connection()
        #expect(fallback.path.hasPrefix("/ws?from=caller&to=sales"))
        #expect(tenantAgent.allConnections.count == 1)
        #expect(try await tenantCaller.bye() == 200)
        #expect(try await plainCaller.bye() == 200)
        try await harness.waitIdle()
        await tenantCaller.close()
        await plainCaller.close()
        await harness.stop()
        await tenantAgent.stop()
    }

    /// A stream URL may name its host (resolved with `getaddrinfo`, addresses raced per RFC 8305)
    /// as well as give an address (connected to at once): both reach the AI server.
    @Test func aStreamURLMayNameItsHost() async throws {
        let namedAgent = try await TestAgent.start()
        let route = """
              - name: named
                match: { to_user: "^named$" }
                stream: { url: "ws://localhost:\(namedAgent.port)/ws/named" }
            """
        let harness = try await BridgeHarness.start(rtpRangeIndex: 80, extraRoute: route)
        let named = try await harness.caller()
        #expect(try await named.invite(user: "named") == 200)
        #expect(try await namedAgent.connection().path == "/ws/named")
        let literal = try await harness.caller()
        #expect(try await literal.invite(user: "other") == 200)
        #expect(try await harness.agent.connection().path.hasPrefix("/ws?from=caller&to=other"))
        #expect(try await named.bye(user: "named") == 200)
        #expect(try await literal.bye(user: "other") == 200)
        try await harness.waitIdle()
        for caller in [named, literal] { await caller.close() }
        await harness.stop()
        await namedAgent.stop()
    }

    /// `routes[].codecs` overrides `rtp.codecs` for the route's calls (codec preference per route).
    @Test func aRouteCanNarrowTheCodecs() async throws {
        let route = """
              - name: alaw-only
                match: { to_user: "^eu$" }
                codecs: [PCMA]
                stream: { url: "ws://127.0.0.1:1/unused" }
            """
        let harness = try await BridgeHarness.start(rtpRangeIndex: 62, codecs: "[PCMU, PCMA]", extraRoute: route)
        #expect(harness.bridge.registry.liveRoutes.map { $0.codecs ?? [] } == [[.pcma], []])
        let ulaw = try await harness.caller()
        #expect(try await ulaw.invite(user: "eu", payloadType: 0) == 488, "PCMU is not this route's")
        let elsewhere = try await harness.caller()
        #expect(try await elsewhere.invite(user: "us", payloadType: 0) == 200, "other routes keep rtp.codecs")
        #expect(try await elsewhere.bye(user: "us") == 200)
        try await harness.waitIdle()
        for caller in [ulaw, elsewhere] { await caller.close() }
        await harness.stop()
    }
}
