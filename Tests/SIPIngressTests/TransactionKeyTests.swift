import Testing
@testable import SIPIngress

/// `TransactionKey` (RFC 3261 §17.2.3) with its hash computed once: equal keys hash alike, and
/// every field still tells keys apart.
@Suite struct TransactionKeyTests {

    @Test("the magic cookie is the exact, case-sensitive seven-byte prefix z9hG4bK (RFC 3261 §8.1.1.7)")
    func magicCookiePrefix() {
        for branch in ["z9hG4bK", "z9hG4bK1", "z9hG4bK-a-much-longer-branch-than-fifteen-bytes"] {
            #expect(Via.beginsWithMagicCookie(branch), "\(branch)")
        }
        for branch in ["", "z9hG4b", "Z9hG4bK1", "z9hg4bk1", "xz9hG4bK", "z9hG4b-K-longer-than-fifteen-bytes"] {
            #expect(!Via.beginsWithMagicCookie(branch), "\(branch)")
        }
    }
    private func key(_ via: String, method: String = "INVITE", cseqMethod: String? = nil) throws -> TransactionKey {
        TransactionKey(
            try TestMessages.parse(
                TestMessages.text([
                    "\(method) sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP \(via)", "Max-Forwards: 70",
                    "From: <sip:a@example.com>;tag=f1", "To: <sip:b@example.com>", "Call-ID: key1",
                    "CSeq: 7 \(cseqMethod ?? method)",
                ])))
    }

    @Test func theSameRequestGivesEqualKeysWithEqualHashes() throws {
        let first = try key("192.0.2.1:5060;branch=z9hG4bKk1")
        let again = try key("192.0.2.1:5060;branch=z9hG4bKk1")
        #expect(first == again)
        #expect(first.hashValue == again.hashValue)
        #expect(Set([first, again]).count == 1)
        // An ACK and a CANCEL match their INVITE's transaction (§17.2.3, §9.2 via init(branch:)).
        #expect(try key("192.0.2.1:5060;branch=z9hG4bKk1", method: "ACK") == first)
        let cancel = TransactionKey(branch: first, method: .cancel)
        #expect(cancel != first)
        #expect(TransactionKey(branch: cancel, method: .invite) == first)
        #expect(TransactionKey(branch: cancel, method: .invite).hashValue == first.hashValue)
    }

    @Test func everyFieldTellsKeysApart() throws {
        let base = try key("192.0.2.1:5060;branch=z9hG4bKk1")
        let others = [
            try key("192.0.2.1:5060;branch=z9hG4bKk2"),
            try key("192.0.2.2:5060;branch=z9hG4bKk1"),
            try key("192.0.2.1:5070;branch=z9hG4bKk1"),
            try key("192.0.2.1:5060;branch=z9hG4bKk1", method: "OPTIONS"),
        ]
        for other in others { #expect(other != base) }
        #expect(Set(others + [base]).count == 5)
        // Without the magic cookie the RFC 2543 fields make the key.
        #expect(try key("192.0.2.1:5060;branch=legacy").branch == "2543|key1|f1|7")
    }
}
