/// The server transaction key of RFC 3261 §17.2.3: the top Via's branch and sent-by plus the
/// method (ACK matches its INVITE). Requests without the magic cookie fall back to the
/// RFC 2543 fields (§17.2.3, second half): Call-ID, From tag, CSeq number and the top Via.
///
/// The key is hashed once, when made: the transaction table, the timer table (every timer's
/// owner holds the key) and the timer heap look it up several times per request, and hashing
/// its strings each time was a measurable part of handling an INVITE (Benchmarks finding G).
struct TransactionKey: Hashable {
    /// The fields behind one reference: the key travels through the transaction table, every
    /// timer of its transaction and the timer heap, whose sifts move it around — one retain per
    /// copy instead of one per string.
    private final class Fields: Sendable {
        let branch: String
        let sentByHost: String
        let sentByPort: Int
        let method: SIPMethod
        /// The hash of the four fields above.
        let hashCode: Int

        init(branch: String, sentByHost: String, sentByPort: Int, method: SIPMethod) {
            self.branch = branch
            self.sentByHost = sentByHost
            self.sentByPort = sentByPort
            self.method = method
            var hasher = Hasher()
            hasher.combine(branch)
            hasher.combine(sentByHost)
            hasher.combine(sentByPort)
            hasher.combine(method)
            hashCode = hasher.finalize()
        }
    }

    private let fields: Fields

    var branch: String { fields.branch }
    /// The top Via's sent-by, host and port (5060 when absent).
    var sentByHost: String { fields.sentByHost }
    var sentByPort: Int { fields.sentByPort }
    var method: SIPMethod { fields.method }

    init(_ request: SIPMessage) {
        self.init(request, method: request.method ?? request.cseq.method)
    }

    /// The key of `request`, whose method the caller has read already.
    init(_ request: SIPMessage, method: SIPMethod) {
        let top = request.vias[0]
        let branch: String
        if let magic = top.branch, magic.utf8.count > 7, Via.beginsWithMagicCookie(magic) {
            branch = magic
        } else {
            branch = "2543|\(request.callID)|\(request.from.tag ?? "")|\(request.cseq.number)"
        }
        fields = Fields(
            branch: branch, sentByHost: top.host, sentByPort: top.port ?? 5060,
            method: (method == .ack || method == .cancel) ? .invite : method)
    }

    /// The same branch and sent-by with another method (CANCEL has its own transaction, §9.2).
    init(branch other: TransactionKey, method: SIPMethod) {
        fields = Fields(branch: other.branch, sentByHost: other.sentByHost, sentByPort: other.sentByPort, method: method)
    }

    static func == (lhs: TransactionKey, rhs: TransactionKey) -> Bool {
        let (l, r) = (lhs.fields, rhs.fields)
        return l === r
            || (l.hashCode == r.hashCode && l.sentByPort == r.sentByPort && l.method == r.method
                && l.branch == r.branch && l.sentByHost == r.sentByHost)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(fields.hashCode)
    }
}
