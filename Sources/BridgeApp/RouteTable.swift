import SIPIngress

/// Picks the route for a call: the first route whose `match` accepts it (ARCHITECTURE
/// "routes: first match wins"). Every regex given must match: `to_user` against the To URI's
/// user (the Request-URI's when To has none), `from_user` against the From URI's user,
/// `request_user` against the Request-URI's user. A route without `match` keys takes every call.
struct RouteTable: Sendable {
    let routes: [BridgeConfig.Route]

    func route(for call: IncomingCall) -> BridgeConfig.Route? {
        route(to: call.toUser ?? call.requestUser ?? "", from: call.fromUser ?? "", request: call.requestUser ?? "")
    }

    /// The first route whose patterns accept these users.
    func route(to toUser: String, from fromUser: String = "", request requestUser: String = "") -> BridgeConfig.Route? {
        routes.first { route in
            (route.toUser.map { $0.matches(toUser) } ?? true)
                && (route.fromUser.map { $0.matches(fromUser) } ?? true)
                && (route.requestUser.map { $0.matches(requestUser) } ?? true)
        }
    }

    /// The first route whose `match.to_user` accepts `user` (other patterns see empty users).
    func route(forUser user: String) -> BridgeConfig.Route? {
        route(to: user)
    }
}
