import NIOCore
import NIOEmbedded
import Testing
@testable import SIPIngress

/// Tier 1: framing SIP messages on a byte stream (RFC 3261 §18.3), on an embedded channel.
@Suite struct SIPStreamFramerTests {
    private static let options = "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5062;branch=z9hG4bK1\r\n"
        + "Content-Length: 0\r\n\r\n"
    private static let withBody = "INFO sip:a@127.0.0.1 SIP/2.0\r\nl: 5\r\nContent-Type: application/dtmf\r\n\r\n12345"

    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SIPStreamFramer()))
        return channel
    }

    private func frames(_ channel: EmbeddedChannel) throws -> [String] {
        var result: [String] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { result.append(String(buffer: buffer)) }
        return result
    }

    @Test func messagesAreSplitAtTheirContentLength() throws {
        let channel = try channel()
        // Two messages in one segment, the second with a compact-form length and a body.
        try channel.writeInbound(ByteBuffer(string: Self.options + Self.withBody))
        #expect(try frames(channel) == [Self.options, Self.withBody])
    }

    @Test func aMessageSplitAcrossSegmentsIsReassembled() throws {
        let channel = try channel()
        let bytes = Array((Self.withBody + Self.options).utf8)
        for chunk in stride(from: 0, to: bytes.count, by: 7) {
            try channel.writeInbound(ByteBuffer(bytes: bytes[chunk..<min(chunk + 7, bytes.count)]))
        }
        #expect(try frames(channel) == [Self.withBody, Self.options])
    }

    @Test func keepaliveIsAnsweredAndLeadingCRLFsSkipped() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "\r\n\r\n"))
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "\r\n")  // RFC 5626 §3.5.1 pong
        try channel.writeInbound(ByteBuffer(string: "\r\n" + Self.options))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(try frames(channel) == [Self.options])
    }

    @Test func aMissingLengthMeansNoBody() throws {
        let channel = try channel()
        let bare = "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n"
        try channel.writeInbound(ByteBuffer(string: bare + Self.options))
        #expect(try frames(channel) == [bare, Self.options])
    }

    @Test func badOrHugeLengthsAndEndlessHeadersAreErrors() throws {
        for text in ["INFO sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\n", "INFO sip:a SIP/2.0\r\nContent-Length: 99999999\r\n\r\n",
                     "INFO sip:a SIP/2.0\r\nContent-Length: ten\r\n\r\n"] {
            let channel = try channel()
            #expect(throws: SIPStreamFramer.FramingError.badContentLength) { try channel.writeInbound(ByteBuffer(string: text)) }
        }
        let channel = try channel()
        let endless = "INFO sip:a SIP/2.0\r\n" + String(repeating: "X-Pad: 0123456789\r\n", count: 4000)
        #expect(throws: SIPStreamFramer.FramingError.headerTooLong) { try channel.writeInbound(ByteBuffer(string: endless)) }
    }

    @Test func aTruncatedMessageAtCloseIsDropped() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: String(Self.withBody.dropLast(2))))
        #expect(try frames(channel).isEmpty)
        _ = try channel.finish()
    }
}
