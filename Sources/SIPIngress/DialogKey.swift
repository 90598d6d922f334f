/// A dialog as the caller's requests identify it (RFC 3261 §12.2.2): Call-ID plus the tag the
/// bridge chose, which is random and so unique on its own.
struct DialogKey: Hashable {
    let callID: String
    let localTag: String

    /// The local tag alone: the bridge made it, 64 random bits (`UserAgentCore.token()`), so it
    /// tells dialogs apart on its own, and hashing the Call-ID too (30 bytes and more from a
    /// trunk) doubled the cost of every dialog table insert and removal. Equality still
    /// compares both (RFC 3261 §12: a dialog is Call-ID, local tag and remote tag).
    func hash(into hasher: inout Hasher) {
        hasher.combine(localTag)
    }
}
