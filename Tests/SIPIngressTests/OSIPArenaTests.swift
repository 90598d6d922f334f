import Dispatch
import Synchronization
import Testing
@testable import SIPIngress

/// `OSIPArena`: libosip2 allocates from a per-thread buffer while a message is parsed, and the
/// values that come out are whole after the buffer is reused.
@Suite struct OSIPArenaTests {
    @Test func aParseAllocatesFromTheArenaAndItsScopeGivesTheBytesBack() throws {
        try #require(OSIPArena.installed, "the allocator hooks are installed outside AddressSanitizer")
        let invite = Array(TestMessages.invite().utf8)
        let inUse = try OSIPArena.withArena { () throws(SIPIngressError) -> Int in
            #expect(OSIPArena.bytesInUse() == 0)
            let message = try TestMessages.parse(invite)
            #expect(message.callID == "a84b4c76e66710@pc33.example.com")
            // The parse's own scope is nested in this one, so its blocks are still counted.
            return OSIPArena.bytesInUse()
        }
        #expect(inUse > 2048, "libosip2 took \(inUse) bytes from the arena for a whole INVITE")
        #expect(OSIPArena.bytesInUse() == 0)
    }

    @Test func valuesOutliveTheBufferTheyWereParsedFrom() throws {
        let first = try TestMessages.parsedInvite()
        // Parses that reuse the buffer (each scope starts again at its beginning) must not
        // change what the first one returned.
        for index in 0..<50 {
            let other = try TestMessages.parse(
                TestMessages.invite(recordRoutes: ["<sip:other\(index).example.net;lr>"]))
            #expect(other.recordRoutes.map(\.text) == ["<sip:other\(index).example.net;lr>"])
        }
        #expect(first.recordRoutes.map(\.text) == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        #expect(first.from.text == "\"Alice\" <sip:alice@example.com>;tag=1928301774")
        #expect(first.vias.map(\.branch) == ["z9hG4bK776asdhds", "z9hG4bKproxy1"])
        #expect(first.body == Array(TestMessages.offerSDP.utf8))
        let offer = try OSIPCodec.parseSessionDescription(first.body)
        #expect(offer.media.first?.formats == ["8", "0", "101"])
    }

    @Test func aMessageLargerThanTheArenaSpillsToTheHeap() throws {
        // 3 000 extension headers need far more than the arena's 64 KiB of osip objects.
        let padding = (0..<3000).map { "X-Pad-\($0): value-\($0)-" + String(repeating: "p", count: 24) }
        // "\r\n" is one Character, so this splits the message into its lines.
        let lines = TestMessages.invite().split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let text = ([lines[0]] + padding + lines.dropFirst()).joined(separator: "\r\n")
        let message = try TestMessages.parse(text)
        let padded = message.otherHeaders.filter { $0.name.lowercased().hasPrefix("x-pad-") }  // libosip2 lowercases unknown names
        #expect(padded.count == 3000)
        #expect(padded.last?.value == "value-2999-" + String(repeating: "p", count: 24))
        #expect(message.body == Array(TestMessages.offerSDP.utf8))
        #expect(OSIPArena.bytesInUse() == 0)
        // And the next, ordinary parse is whole.
        #expect(try TestMessages.parsedInvite().callID == "a84b4c76e66710@pc33.example.com")
    }

    @Test func parsesLeaveNoHeapBlocksBehind() throws {
        // An ordinary parse stays in the arena (its osip structure is not freed block by block);
        // a parse that spilled to the heap must free every block the usual way. The hooks count
        // the heap blocks they hand out and get back on this thread.
        let padding = (0..<3000).map { "X-Pad-\($0): value-\($0)-" + String(repeating: "p", count: 24) }
        let lines = TestMessages.invite().split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let large = Array(([lines[0]] + padding + lines.dropFirst()).joined(separator: "\r\n").utf8)
        let ordinary = Array(TestMessages.invite().utf8)
        let before = OSIPArena.heapBlocks()
        for _ in 0..<5 {
            #expect(try TestMessages.parse(large).otherHeaders.count == 3000)
            #expect(OSIPArena.heapBlocks() == before)
            #expect(try TestMessages.parse(ordinary).callID == "a84b4c76e66710@pc33.example.com")
            #expect(try OSIPCodec.parseSessionDescription(Array(TestMessages.offerSDP.utf8)).media.count == 1)
            #expect(OSIPArena.heapBlocks() == before)
            #expect(OSIPArena.bytesInUse() == 0)
        }
    }

    @Test func threadsParseInTheirOwnArenas() throws {
        let mismatches = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for index in 0..<300 {
                let route = "<sip:t\(thread)-\(index).example.org;lr>"
                let parsed = try? TestMessages.parse(TestMessages.invite(recordRoutes: [route]))
                if parsed?.recordRoutes.map(\.text) != [route] || parsed?.body != Array(TestMessages.offerSDP.utf8) {
                    mismatches.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(mismatches.load(ordering: .relaxed) == 0)
    }
}
