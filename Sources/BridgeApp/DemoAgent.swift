import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The embedded AI stand-in of `sipbridge demo`: a Vobiz-protocol WebSocket server on loopback
/// that echoes the caller's audio back with `playAudio` (so a caller hears themselves), drops
/// a `checkpoint` every second and logs what the bridge sends. It is a real server on a real
/// socket, built on hummingbird-websocket, so the demo exercises the whole bridge.
enum DemoAgent {
    /// Frames gathered before echoing them in one `playAudio` (100 ms: exercises re-framing).
    static let framesPerReply = 5

    /// Builds the agent's application.
    /// - Parameters:
    ///   - host: bind address (loopback).
    ///   - port: bind port (0 = any).
    ///   - logger: where the agent logs.
    ///   - onRunning: receives the bound port.
    static func application(
        host: String, port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/") { _, _ in "sipbridge demo agent: connect a WebSocket to /ws\n" }
        return Application(
            router: router,
            server: .http1WebSocketUpgrade { request, _, _ in
                guard request.path?.hasPrefix("/ws") == true else { return .dontUpgrade }
                return .upgrade([:]) { inbound, outbound, _ in
                    try await echo(inbound: inbound, outbound: outbound, logger: logger)
                }
            },
            configuration: .init(address: .hostname(host, port: port), serverName: "sipbridge-demo-agent"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    private static func echo(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async throws {
        var pending = Data()
        var frames = 0
        var streamID = ""
        for try await message in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = message,
                let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let event = object["event"] as? String
            else { continue }
            switch event {
            case "start":
                let start = object["start"] as? [String: Any]
                streamID = start?["streamId"] as? String ?? ""
                logger.info("demo agent: stream started", metadata: ["callId": "\(start?["callId"] ?? "")"])
            case "media":
                guard let media = object["media"] as? [String: Any], let payload = media["payload"] as? String,
                    let audio = Data(base64Encoded: payload)
                else { continue }
                pending.append(audio)
                frames += 1
                guard frames % framesPerReply == 0 else { continue }
                try await send(["event": "playAudio", "streamId": streamID, "media": [
                    "contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": pending.base64EncodedString(),
                ]], outbound)
                pending.removeAll(keepingCapacity: true)
                if frames % 50 == 0 {
                    try await send(["event": "checkpoint", "streamId": streamID, "name": "second-\(frames / 50)"], outbound)
                }
            case "playedStream":
                logger.debug("demo agent: checkpoint played", metadata: ["name": "\(object["name"] ?? "")"])
            default:
                break
            }
        }
        logger.info("demo agent: stream closed", metadata: ["frames": "\(frames)"])
    }

    private static func send(_ object: [String: Any], _ outbound: WebSocketOutboundWriter) async throws {
        let data = try JSONSerialization.data(withJSONObject: object)
        try await outbound.write(.text(String(decoding: data, as: UTF8.self)))
    }
}
