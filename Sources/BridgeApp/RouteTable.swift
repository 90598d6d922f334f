import SIPIngress

/// What routing looks at in an INVITE.
struct RouteQuery: Sendable {
    /// The To URI's user (the Request-URI's when To has none).
    var toUser = ""
    /// The From URI's user.
    var fromUser = ""
    /// The Request-URI's user.
    var requestUser = ""
    /// The IP address the INVITE came from.
    var source = ""
    /// Headers the SIP layer does not interpret (RFC 3261 §7.3), in order.
    var headers: [SIPHeader] = []

    init(toUser: String = "", fromUser: String = "", requestUser: String = "", source: String = "", headers: [SIPHeader] = []) {
        self.toUser = toUser
        self.fromUser = fromUser
        self.requestUser = requestUser
        self.source = source
        self.headers = headers
    }

    init(_ call: IncomingCall) {
        self.init(
            toUser: call.toUser ?? call.requestUser ?? "", fromUser: call.fromUser ?? "", requestUser: call.requestUser ?? "",
            source: call.sourceHost, headers: call.invite.otherHeaders)
    }

    /// The first value of a header, by case-insensitive name (RFC 3261 §7.3.1).
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

/// A route that accepted a call, with its regexes' named groups (for URL templates).
struct RouteMatch: Sendable {
    let route: BridgeConfig.Route
    let captures: [String: String]
}

/// Picks the route for a call: the first route whose `match` accepts it (ARCHITECTURE
/// "routes: first match wins"). Every condition given must hold: `to_user`, `from_user` and
/// `request_user` regexes on the URIs' users, `source` CIDR blocks on the INVITE's source
/// address, `headers` regexes on named headers. A route without `match` keys takes every call.
struct RouteTable: Sendable {
    let routes: [BridgeConfig.Route]

    func route(for call: IncomingCall) -> RouteMatch? {
        route(for: RouteQuery(call))
    }

    func route(for query: RouteQuery) -> RouteMatch? {
        for route in routes {
            if let captures = Self.captures(of: route, for: query) { return RouteMatch(route: route, captures: captures) }
        }
        return nil
    }

    /// The first route whose patterns accept these users (other conditions see empty values).
    func route(to toUser: String, from fromUser: String = "", request requestUser: String = "") -> BridgeConfig.Route? {
        route(for: RouteQuery(toUser: toUser, fromUser: fromUser, requestUser: requestUser))?.route
    }

    /// The first route whose `match.to_user` accepts `user` (other patterns see empty users).
    func route(forUser user: String) -> BridgeConfig.Route? {
        route(to: user)
    }

    /// The named groups of every pattern of `route` when all its conditions hold, else `nil`.
    private static func captures(of route: BridgeConfig.Route, for query: RouteQuery) -> [String: String]? {
        if !route.sources.isEmpty, !route.sources.contains(where: { $0.contains(query.source) }) { return nil }
        var captures: [String: String] = [:]
        var checks: [(UserPattern, String)] = []
        if let pattern = route.toUser { checks.append((pattern, query.toUser)) }
        if let pattern = route.fromUser { checks.append((pattern, query.fromUser)) }
        if let pattern = route.requestUser { checks.append((pattern, query.requestUser)) }
        for (name, pattern) in route.headers {
            guard let value = query.header(name) else { return nil }
            checks.append((pattern, value))
        }
        for (pattern, text) in checks {
            guard let groups = pattern.captures(in: text) else { return nil }
            captures.merge(groups) { first, _ in first }
        }
        return captures
    }
}

extension String {
    /// ASCII case-insensitive equality (header names, RFC 3261 §7.3.1).
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}
