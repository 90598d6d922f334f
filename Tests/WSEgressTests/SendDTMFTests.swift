import NIOCore
import Testing

@testable import WSEgress

/// `sendDTMF` (Plivo's event; its payload shape is unconfirmed, spec §10 item 12): the shapes
/// clients send are all accepted, anything that is not a DTMF key is refused.
@Suite struct SendDTMFTests {
    private func parse(_ text: String) throws(StreamProtocolError) -> InboundEvent {
        try InboundEventParser.parse(ByteBuffer(string: text))
    }

    @Test(arguments: [
        (#"{"event":"sendDTMF","dtmf":"12#"}"#, "12#"),
        (#"{"event":"sendDTMF","digits":"*0"}"#, "*0"),
        (#"{"event":"sendDTMF","dtmf":{"digit":"5"}}"#, "5"),
        (#"{"event":"sendDTMF","dtmf":{"digits":"abcd","duration":100}}"#, "ABCD"),
        (#"{"dtmf":"9","event":"sendDTMF","extra":[1,2]}"#, "9"),
    ])
    func acceptedShapes(text: String, digits: String) throws {
        #expect(try parse(text) == .sendDTMF(digits: digits, streamId: nil))
    }

    @Test func streamIdIsKept() throws {
        #expect(try parse(#"{"event":"sendDTMF","streamId":"s1","dtmf":"1"}"#) == .sendDTMF(digits: "1", streamId: "s1"))
    }

    @Test(arguments: [
        #"{"event":"sendDTMF","dtmf":"12x"}"#, #"{"event":"sendDTMF","dtmf":""}"#, #"{"event":"sendDTMF","dtmf":5}"#,
        #"{"event":"sendDTMF","dtmf":{"digit":7}}"#,
        #"{"event":"sendDTMF","dtmf":"1111111111111111111111111111111111111111111111111111111111111111X"}"#,
    ])
    func invalidDigitsAreRefused(text: String) {
        #expect(throws: StreamProtocolError.self) { try parse(text) }
    }

    @Test func missingDigitsAreRefused() {
        #expect(throws: StreamProtocolError.missingField("dtmf")) { try parse(#"{"event":"sendDTMF"}"#) }
        #expect(throws: StreamProtocolError.missingField("dtmf")) { try parse(#"{"event":"sendDTMF","dtmf":{}}"#) }
    }
}
