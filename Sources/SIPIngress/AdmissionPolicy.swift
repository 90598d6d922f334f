/// Who may talk to the bridge and how fast (`sip.trusted_sources`, `sip.untrusted_action`,
/// `sip.rate_limit`): the first defence against scanners and floods on a public address.
public struct AdmissionPolicy: Sendable, Hashable {
    /// What happens to a request from outside `trustedSources`.
    public enum UntrustedAction: String, Sendable, Hashable {
        /// Answer `403 Forbidden` (RFC 3261 §21.4.4); ACKs are dropped.
        case reject
        /// Say nothing (a scanner learns nothing; RFC 3261 §18.1.2 allows discarding).
        case drop
    }

    /// Address blocks requests may come from; empty admits every source.
    public var trustedSources: [AddressBlock]
    /// The answer to anyone else.
    public var untrustedAction: UntrustedAction
    /// Sustained new INVITEs per second per source address; `nil` means no limit.
    public var invitesPerSecond: Double?
    /// INVITEs a source may send back to back before the rate applies.
    public var inviteBurst: Int

    /// Creates a policy; the default admits everyone at any rate.
    public init(
        trustedSources: [AddressBlock] = [], untrustedAction: UntrustedAction = .reject,
        invitesPerSecond: Double? = nil, inviteBurst: Int = 10
    ) {
        self.trustedSources = trustedSources
        self.untrustedAction = untrustedAction
        self.invitesPerSecond = invitesPerSecond
        self.inviteBurst = inviteBurst
    }

    /// Whether `address` may send requests.
    public func trusts(_ address: String) -> Bool {
        trustedSources.isEmpty || trustedSources.contains { $0.contains(address) }
    }
}
