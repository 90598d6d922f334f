import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Stream status callbacks (stream spec §5.8; route options `stream.status_callback_url` and
/// `status_callback_method`): HTTP requests to the operator's server when a stream starts,
/// a checkpoint has played, audio was cleared, the AI server falls behind, the stream stops or
/// drops. Form-encoded `POST` (or the same fields as a `GET` query, RFC 3986 §3.4), fields named
/// as Vobiz/Plivo name them (`Event`, `StreamID`, `CallUUID`, …) plus `X-VH-<name>` for each of
/// the route's `stream.parameters`.
///
/// Best effort and bounded: requests go out on async-http-client's own event loops, never the
/// call's; each has a 5 s deadline; at most `maximumInFlight` are outstanding, beyond that new
/// ones are dropped and counted. Nothing waits for an answer.
final class StatusCallbackSender: Sendable {
    /// Outstanding requests allowed before new ones are dropped.
    static let maximumInFlight = 256
    private let client: HTTPClient
    private let inFlight = NIOLockedValueBox(0)
    private let metrics: BridgeMetrics
    private let logger: Logger

    init(client: HTTPClient = .shared, metrics: BridgeMetrics, logger: Logger) {
        self.client = client
        self.metrics = metrics
        self.logger = logger
    }

    /// Sends one callback (or drops it when too many are outstanding).
    func send(_ callback: StatusCallback) {
        let admitted = inFlight.withLockedValue { count -> Bool in
            guard count < Self.maximumInFlight else { return false }
            count += 1
            return true
        }
        guard admitted else { return metrics.statusCallback(.dropped) }
        let request: HTTPClient.Request
        do {
            request = try callback.request()
        } catch {
            inFlight.withLockedValue { $0 -= 1 }
            logger.info("status callback: bad URL", metadata: ["url": "\(callback.url)", "error": "\(error)"])
            return metrics.statusCallback(.failed)
        }
        client.execute(request: request, deadline: .now() + .seconds(5)).whenComplete { result in
            self.inFlight.withLockedValue { $0 -= 1 }
            switch result {
            case .success(let response) where (200..<300).contains(response.status.code):
                self.metrics.statusCallback(.delivered)
            case .success(let response):
                self.metrics.statusCallback(.failed)
                self.logger.info(
                    "status callback refused", metadata: ["event": "\(callback.event)", "status": "\(response.status.code)"])
            case .failure(let error):
                self.metrics.statusCallback(.failed)
                self.logger.info("status callback failed", metadata: ["event": "\(callback.event)", "error": "\(error)"])
            }
        }
    }
}

/// One status callback request.
struct StatusCallback: Sendable {
    enum Method: String, Sendable, CaseIterable {
        case get = "GET"
        case post = "POST"
    }

    var url: String
    var method: Method
    /// `StartStream`, `PlayedStream`, `ClearedAudio`, `DegradedStream`, `StopStream`, `DroppedStream`.
    var event: String
    /// The form fields, `Event` first.
    var fields: [(name: String, value: String)]

    func request() throws -> HTTPClient.Request {
        let form = Self.formEncode(fields)
        switch method {
        case .post:
            return try HTTPClient.Request(
                url: url, method: .POST, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: .string(form))
        case .get:
            return try HTTPClient.Request(url: url + (url.contains("?") ? "&" : "?") + form, method: .GET)
        }
    }

    /// `application/x-www-form-urlencoded` (WHATWG URL §5.2): unreserved bytes as they are,
    /// space as `+`, everything else `%XX`.
    static func formEncode(_ fields: [(name: String, value: String)]) -> String {
        func encode(_ text: String) -> String {
            var result = ""
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: "*"):
                    result.unicodeScalars.append(Unicode.Scalar(byte))
                case UInt8(ascii: " "):
                    result += "+"
                default:
                    let hex = Array("0123456789ABCDEF".utf8)
                    result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
                }
            }
            return result
        }
        return fields.map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&")
    }
}
