import Foundation
import Testing

@testable import SIPIngress

/// libosip2 5.3 leaks when a multipart body part repeats Content-Type (found by FuzzSIP); such
/// messages are refused before parsing, and ordinary multipart bodies still parse.
struct MultipartGuardTests {
    private func message(_ partHeaders: String, contentType: String = "multipart/mixed;boundary=b1", body: String? = nil) -> String {
        let body = body ?? "--b1\r\n\(partHeaders)\r\nHello\r\n--b1--\r\n"
        return """
            MESSAGE sip:a@example.org SIP/2.0\r
            Via: SIP/2.0/UDP 127.0.0.5:5070;branch=z9hG4bKmp1\r
            Max-Forwards: 70\r
            From: <sip:b@example.org>;tag=1\r
            To: <sip:a@example.org>\r
            Call-ID: mp1\r
            CSeq: 1 MESSAGE\r
            Content-Type: \(contentType)\r
            Content-Length: \(body.utf8.count)\r
            \r
            \(body)
            """
    }

    /// Parses with libosip2 (behind the guard); `nil` when refused.
    private func parsed(_ text: String) -> SIPMessage? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { raw -> SIPMessage? in
            do {
                return try OSIPCodec.parseMessage(UnsafeRawBufferPointer(raw))
            } catch {
                return nil
            }
        }
    }

    private func repeats(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { MultipartGuard.repeatsPartContentType($0) }
    }

    @Test func aPartWithTwoContentTypesIsRefused() throws {
        #expect(repeats(message("Content-Type: text/plain\r\nContent-Type: text/html\r\n")))
        #expect(repeats(message("content-type: text/plain\r\nCONTENT-TYPE : text/html\r\n")), "any case, space before the colon")
        #expect(parsed(message("Content-Type: text/plain\r\nContent-Type: text/html\r\n")) == nil)
    }

    @Test func theGuardRunsWhetherOrNotTheHeaderSectionIsSplit() {
        // A plain header section is split before libosip2 parses it, and the guard runs when a
        // Content-Type line (compact form too) mentions multipart; a folded one is parsed whole,
        // guard first. Both are refused.
        let twoTypes = "Content-Type: text/plain\r\nContent-Type: text/html\r\n"
        let compact = message(twoTypes).replacingOccurrences(of: "Content-Type: multipart", with: "c: multipart")
        #expect(compact.contains("c: multipart") && parsed(compact) == nil)
        let folded = message(twoTypes).replacingOccurrences(of: "Max-Forwards: 70", with: "Max-Forwards:\r\n 70")
        #expect(folded.contains("Max-Forwards:\r\n 70") && parsed(folded) == nil)
        // The same messages with one Content-Type in the part parse.
        let one = "Content-Type: text/plain\r\n"
        #expect(parsed(message(one).replacingOccurrences(of: "Content-Type: multipart", with: "c: multipart")) != nil)
        #expect(parsed(message(one).replacingOccurrences(of: "Max-Forwards: 70", with: "Max-Forwards:\r\n 70")) != nil)
    }

    @Test func multipartIsFoundAtEveryOffsetInAnyCase() {
        // The search rules out eight positions at a time: the word must be found wherever it
        // starts relative to those eight-byte steps, in any letter case.
        let twoTypes = "Content-Type: text/plain\r\nContent-Type: text/html\r\n"
        for spaces in 0..<17 {
            for spelling in ["multipart", "MULTIPART", "MultiPart", "mULTIPARt"] {
                let contentType = String(repeating: " ", count: spaces) + spelling + "/mixed;boundary=b1"
                #expect(repeats(message(twoTypes, contentType: contentType)), "\(spaces) spaces, \(spelling)")
            }
            // Almost the word (every letter but one) is not the word.
            let near = String(repeating: " ", count: spaces) + "multipar/mixed;boundary=b1"
            #expect(!repeats(message(twoTypes, contentType: near)), "\(spaces) spaces, multipar")
        }
    }

    @Test func theBodysContentTypesAreFoundAtEveryOffsetInAnyCase() {
        // Only a body with two "content-type"s is searched further: both must be found
        // wherever they start relative to the search's eight-byte steps.
        for padding in 0..<17 {
            let pad = "X-Pad: " + String(repeating: "p", count: padding) + "\r\n"
            for spelling in ["Content-Type", "CONTENT-TYPE", "content-type", "cONTENT-tYPE"] {
                let part = pad + "\(spelling): text/plain\r\n" + pad + "\(spelling): text/html\r\n"
                #expect(repeats(message(part)), "\(padding) bytes, \(spelling)")
            }
            // One Content-Type in each of two parts is not two in one part.
            let body = "--b1\r\n" + pad + "Content-Type: text/plain\r\n\r\nA\r\n--b1\r\nContent-Type: text/html\r\n\r\nB\r\n--b1--\r\n"
            #expect(!repeats(message("", body: body)), "\(padding) bytes, two parts")
        }
    }

    @Test func ordinaryMessagesPass() throws {
        #expect(!repeats(message("Content-Type: text/plain\r\nContent-ID: <a>\r\n")))
        // Two Content-Types, but not a multipart message.
        #expect(!repeats(message("Content-Type: text/plain\r\nContent-Type: text/html\r\n", contentType: "text/plain")))
        let accepted = try #require(parsed(message("Content-Type: text/plain\r\n")))
        #expect(accepted.callID == "mp1" && accepted.cseq.number == 1)
    }
}
