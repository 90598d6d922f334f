/// What a response changes in the top Via it copies from the request: `received` set to the
/// source address when it differs from `sent-by` (RFC 3261 §18.2.1), and `rport` given the
/// source port, with `received`, when the client asked for it (RFC 3581 §4).
struct TopViaFixup: Sendable, Hashable {
    /// The value for the top Via's `rport`, when it has one to fill in.
    let rport: Int?
    /// The value for its `received` (set, or added after its parameters).
    let received: String

    /// The fix-up for `top` from a request that came from `sourceHost`:`sourcePort`, or nil when
    /// the top Via stays as it is.
    init?(_ top: Via?, sourceHost: String, sourcePort: Int?) {
        guard let top else { return nil }
        let asksRport = top.parameters.contains { $0.name.equalsIgnoringASCIICase("rport") }
        let rport = asksRport ? sourcePort : nil
        if rport == nil, top.host == sourceHost { return nil }
        (self.rport, self.received) = (rport, sourceHost)
    }

    /// `vias` with the top one fixed up: the first `rport` and `received` parameters get their
    /// values in place, a missing `received` is added last.
    func applied(to vias: [Via]) -> [Via] {
        guard let top = vias.first else { return vias }
        var parameters = top.parameters
        if let rport, let index = parameters.firstIndex(where: { $0.name.equalsIgnoringASCIICase("rport") }) {
            parameters[index].value = String(rport)
        }
        if let index = parameters.firstIndex(where: { $0.name.equalsIgnoringASCIICase("received") }) {
            parameters[index].value = received
        } else {
            parameters.append(("received", received))
        }
        var fixed = vias
        fixed[0] = Via(transport: top.transport, host: top.host, port: top.port, parameters: parameters)
        return fixed
    }
}
