import Testing

@testable import SIPIngress

/// Tags and branches as text (RFC 3261 §19.3, §8.1.1.7): base 32 in `token` characters, every
/// bit of the random value kept.
struct TokenTextTests {
    @Test func digitsAndWidths() {
        #expect(UserAgentCore.tokenText(0) == "0000000000000")
        #expect(UserAgentCore.tokenText(1) == "0000000000001")
        #expect(UserAgentCore.tokenText(36) == "0000000000014")
        #expect(UserAgentCore.tokenText(31) == "000000000000v")
        #expect(UserAgentCore.tokenText(.max) == "fvvvvvvvvvvvv")
        #expect(UserAgentCore.tokenText(0xFFFF_FFFF, digits: 7) == "3vvvvvv")
        #expect(UserAgentCore.tokenText(0x8000_0000_0000_0000) == "8000000000000")
    }

    /// Distinct values give distinct text (the map is one to one at full width).
    @Test func distinctValuesStayDistinct() {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<2000).map { _ in generator.next() as UInt64 }
        #expect(Set(values.map { UserAgentCore.tokenText($0) }).count == Set(values).count)
        for value in values.prefix(50) {
            #expect(UInt64(UserAgentCore.tokenText(value), radix: 32) == value)
        }
    }
}
