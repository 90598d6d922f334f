import Testing
@testable import SIPIngress

/// Tier 1: INFO DTMF bodies as carriers and PBXes write them.
@Suite struct DTMFRelayTests {
    @Test(arguments: [
        ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", "5/160"),
        ("application/dtmf-relay", "Signal= 11\r\nDuration= 250\r\n", "#/250"),
        ("application/dtmf-relay", "signal=*\nduration=90", "*/90"),
        ("application/dtmf-relay; charset=utf-8", "Signal=a\r\n", "A/100"),
        ("application/dtmf-relay", "Signal=10\r\nDuration=0\r\n", "*/100"),
        ("application/dtmf", "7", "7/100"),
        ("APPLICATION/DTMF", " 15 \r\n", "D/100"),
    ])
    func bodiesAreRead(contentType: String, body: String, expected: String) throws {
        let press = try #require(DTMFRelay.parse(contentType: contentType, body: Array(body.utf8)))
        #expect("\(press.digit)/\(press.durationMilliseconds)" == expected)
    }

    @Test(arguments: [
        ("application/dtmf-relay", "Duration=160\r\n"),
        ("application/dtmf-relay", "Signal=E\r\n"),
        ("application/dtmf-relay", "Signal=16\r\n"),
        ("application/dtmf-relay", "Signal=55\r\n"),
        ("application/dtmf", ""),
        ("application/dtmf", "12a"),
        ("text/plain", "Signal=5"),
    ])
    func junkIsNotAKeyPress(contentType: String, body: String) {
        #expect(DTMFRelay.parse(contentType: contentType, body: Array(body.utf8)) == nil)
    }
}
