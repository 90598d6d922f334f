import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing

@testable import BridgeApp

/// `--log-format json`: one parseable object per line with the call's ids as fields.
@Suite struct JSONLogHandlerTests {
    @Test func linesAreJSONWithMetadataFields() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "sipbridge") { label in
            var handler = JSONLogHandler(label: label) { line in lines.withLockedValue { $0.append(line) } }
            handler.logLevel = .info
            return handler
        }
        logger[metadataKey: "call.id"] = "c-1"
        logger.debug("not shown")
        logger.info(
            "quote \" backslash \\ newline \n tab \t bell \u{7}",
            metadata: ["sip.call_id": "abc@host", "n": "\(42)", "list": ["a", "b"], "map": ["k": "v"]])
        let written = lines.withLockedValue { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["msg"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{7}")
        #expect(object["level"] as? String == "info" && object["logger"] as? String == "sipbridge")
        #expect(object["call.id"] as? String == "c-1" && object["sip.call_id"] as? String == "abc@host")
        #expect(object["list"] as? [String] == ["a", "b"])
        #expect((object["map"] as? [String: String]) == ["k": "v"])
        #expect(object["source"] as? String == "BridgeAppTests")
        let stamp = try #require(object["ts"] as? String)
        #expect(stamp.count == 24 && stamp.hasSuffix("Z"), "\(stamp)")
    }

    @Test func timestampIsRFC3339UTCWithMilliseconds() {
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: 1_795_680_000.042)) == "\"2026-11-26T08:00:00.042Z\"")
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: 0)) == "\"1970-01-01T00:00:00.000Z\"")
    }
}
