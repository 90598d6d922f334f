import SIPIngress

/// Picks the route for a call: the first route whose `match` accepts it (ARCHITECTURE
/// "routes: first match wins"). `match.to_user` is tested against the To URI's user, or the
/// Request-URI's user when To has none; a route without `match.to_user` matches every call.
struct RouteTable: Sendable {
    let routes: [BridgeConfig.Route]

    func route(for call: IncomingCall) -> BridgeConfig.Route? {
        route(forUser: call.toUser ?? call.requestUser ?? "")
    }

    /// The first route whose `match.to_user` accepts `user`.
    func route(forUser user: String) -> BridgeConfig.Route? {
        routes.first { route in
            route.toUser.map { $0.matches(user) } ?? true
        }
    }
}
