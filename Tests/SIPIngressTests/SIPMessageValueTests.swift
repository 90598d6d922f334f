import NIOCore
import Testing
@testable import SIPIngress

/// Tier 1: `SIPMessage` keeps value semantics though its fields live behind one shared
/// reference: a change to a copy never shows in the original, field by field.
@Suite struct SIPMessageValueTests {
    @Test func aChangedCopyLeavesTheOriginalAlone() throws {
        let original = try TestMessages.parsedInvite()
        let wire = original.wireText
        var copy = original
        copy.startLine = .response(status: 180, reason: "Ringing")
        copy.vias[0].setParameter("received", "203.0.113.1")
        copy.from.text = "<sip:other@example.com>"
        copy.to.tag = "t"
        copy.callID = "other"
        copy.cseq = CSeq(number: 1, method: .bye)
        copy.contacts.removeAll()
        copy.recordRoutes.append(copy.from)
        copy.routes.append(copy.from)
        copy.maxForwards = 1
        copy.contentType = nil
        copy.otherHeaders.append(SIPHeader("X-Test", "1"))
        copy.body.append(0x41)
        #expect(original.wireText == wire)
        #expect(copy.wireText != wire)
        #expect(copy.statusCode == 180 && original.method == .invite)
        #expect(copy.otherHeaders.count == original.otherHeaders.count + 1)
        #expect(copy.body.count == original.body.count + 1)
    }

    /// RFC 3261 §8.2.6.2: the UAS's tag goes after the To value's other parameters, once.
    @Test func aTagIsAppendedAfterTheParametersOnce() throws {
        let uri = SIPURI(text: "sip:bob@example.com", scheme: "sip", user: "bob", host: "example.com", port: nil)
        let to = NameAddress(text: "\"Bob\" <sip:bob@example.com>;x=1", uri: uri, tag: nil)
        let tagged = to.withTag("4f2a")
        #expect(tagged.text == "\"Bob\" <sip:bob@example.com>;x=1;tag=4f2a")
        #expect(tagged.tag == "4f2a" && tagged.uri == uri)
        #expect(tagged.withTag("other") == tagged)
        #expect(NameAddress(text: "", uri: uri, tag: nil).withTag("t").text == ";tag=t")
    }

    /// `NameAddress` and `SIPPeer` keep their fields behind one reference too: a copy changed
    /// is a new value, and values built apart compare and hash by their fields.
    @Test func nameAddressesAndPeersAreValues() throws {
        let uri = SIPURI(text: "sip:bob@example.com", scheme: "sip", user: "bob", host: "example.com", port: nil)
        let original = NameAddress(text: "<sip:bob@example.com>", uri: uri, tag: nil)
        var changed = original
        changed.tag = "t"
        changed.uri.host = "example.org"
        #expect(original.tag == nil && original.uri.host == "example.com")
        #expect(changed.tag == "t" && changed.uri.host == "example.org" && changed.text == original.text)
        let twin = NameAddress(text: "<sip:bob@example.com>", uri: uri, tag: nil)
        #expect(twin == original && twin.hashValue == original.hashValue && changed != original)
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 5060)
        let peer = SIPPeer(address: address, transport: .tcp(connection: 3))
        #expect(peer == SIPPeer(address: address, transport: .tcp(connection: 3)))
        #expect(peer.hashValue == SIPPeer(address: address, transport: .tcp(connection: 3)).hashValue)
        #expect(peer != SIPPeer(address: address, transport: .udp) && peer.ipAddress == "127.0.0.1")
    }

    /// The Request-URI scheme check kept beside the start line (RFC 3261 §8.2.2.1) follows it:
    /// at parse, through the public initializer, and when the start line changes.
    @Test func theRequestURISchemeCheckFollowsTheStartLine() throws {
        var message = try TestMessages.parsedInvite()
        #expect(message.requestURIIsSIP)
        let tel = SIPURI(text: "tel:+15550100", scheme: "tel", user: nil, host: "", port: nil)
        message.startLine = .request(method: .invite, uri: tel)
        #expect(!message.requestURIIsSIP && message.method == .invite)
        let sips = SIPURI(text: "SIPS:bob@example.com", scheme: "SIPS", user: "bob", host: "example.com", port: nil)
        message.startLine = .request(method: .options, uri: sips)
        #expect(message.requestURIIsSIP && message.method == .options)
        message.startLine = .response(status: 200, reason: "OK")
        #expect(!message.requestURIIsSIP && message.method == nil)
        let built = SIPMessage(
            startLine: .request(method: .invite, uri: tel), vias: message.vias, from: message.from, to: message.to,
            callID: "c", cseq: CSeq(number: 1, method: .invite))
        #expect(!built.requestURIIsSIP)
        let parsedTel = try TestMessages.parse(TestMessages.invite().replacing("INVITE sip:", with: "INVITE tel:"))
        #expect(!parsedTel.requestURIIsSIP)
    }

    @Test func copiesThatNeverChangeShareTheirFields() throws {
        let original = try TestMessages.parsedInvite()
        var copies = Array(repeating: original, count: 3)
        copies[1].otherHeaders.append(SIPHeader("X-Test", "1"))
        #expect(copies[0].wireText == original.wireText && copies[2].wireText == original.wireText)
        #expect(copies[1].header("X-Test") == "1" && original.header("X-Test") == nil)
        // A message changed in place (the only reference) keeps its changes.
        var alone = try TestMessages.parsedInvite()
        for index in 0..<100 { alone.otherHeaders.append(SIPHeader("X-\(index)", "\(index)")) }
        #expect(alone.otherHeaders.suffix(100).map(\.value) == (0..<100).map { "\($0)" })
    }
}
