import NIOCore
import Testing
@testable import SIPIngress

/// Tier 1: the two-pass renderer behind `SIPMessage.write(into:)` — sized exactly, then copied
/// after whatever the buffer already holds (RFC 3261 §7 wire form).
@Suite struct WireFormatTests {
    @Test(arguments: [0, 7, 9, 10, 99, 100, 5060, 65_535, 4_294_967_295, Int.max, -1, -10, Int.min])
    func decimalsAreSizedAndWrittenExactly(value: Int) {
        var length = WireLength()
        length.appendDecimal(value)
        #expect(length.count == String(value).utf8.count)
        let written = [UInt8](unsafeUninitializedCapacity: length.count) { memory, count in
            var writer = WireWriter(UnsafeMutableRawBufferPointer(memory))
            writer.appendDecimal(value)
            count = writer.offset
        }
        #expect(String(decoding: written, as: UTF8.self) == String(value))
    }

    @Test func messagesAppendAfterExistingBytesWithMultiByteTextAndABody() throws {
        let invite = try TestMessages.parsedInvite()
        var message = MessageFactory.response(
            to: invite, status: 200, toTag: "t", sourceHost: "203.0.113.9", sourcePort: 5060)
        message.from = NameAddress(text: "\"Zoë Ünal 電話\" <sip:zoe@example.com>;tag=f", uri: message.from.uri, tag: "f")
        message.otherHeaders.append(SIPHeader("Subject", "¿Qué tal?"))
        message.contentType = "application/sdp"
        message.body = Array("v=0\r\n".utf8) + [0x00, 0xFF]
        var buffer = ByteBuffer(string: "prefix|")
        message.write(into: &buffer)
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        #expect(text.hasPrefix("prefix|SIP/2.0 200 OK\r\n"))
        #expect(text.contains("\r\nFrom: \"Zoë Ünal 電話\" <sip:zoe@example.com>;tag=f\r\n"))
        #expect(text.contains("\r\nSubject: ¿Qué tal?\r\n"))
        #expect(text.contains("\r\nContent-Length: 7\r\n\r\n"))
        #expect(Array(buffer.readableBytesView.suffix(7)) == Array("v=0\r\n".utf8) + [0x00, 0xFF])
        // The same bytes as rendering into a fresh buffer: nothing before the prefix moved.
        var fresh = ByteBuffer()
        message.write(into: &fresh)
        #expect(Array(buffer.readableBytesView.dropFirst(7)) == Array(fresh.readableBytesView))
    }

    @Test func aSessionsResponsesCopyTheirViaLinesAsTheViasRenderThem() throws {
        let invite = try TestMessages.parsedInvite()
        let session = InviteSession(
            invite: invite, localTag: "bridgetag", source: ("203.0.113.9", 40_000), local: TestMessages.local,
            timers: SIPTimerValues(), reliable: false)
        let notFound = session.response(404)
        #expect(notFound.renderedViaLines != nil)
        // The same message with its Vias set as values renders from them: the bytes agree.
        var fromValues = notFound
        fromValues.vias = notFound.vias
        #expect(fromValues.renderedViaLines == nil)
        #expect(notFound.wireText == fromValues.wireText)
        #expect(notFound.wireText.contains("\r\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK776asdhds;rport=40000;received=203.0.113.9\r\n"))
        // A change to the Vias drops the rendering, so the change is what goes out.
        var changed = notFound
        changed.vias[0].setParameter("received", "192.0.2.77")
        #expect(changed.renderedViaLines == nil)
        #expect(changed.wireText.contains(";received=192.0.2.77"))
        #expect(notFound.wireText.contains(";received=203.0.113.9"))
    }
}
