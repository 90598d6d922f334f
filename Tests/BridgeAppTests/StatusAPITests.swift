import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

@testable import BridgeApp

/// The per-call status API and the call detail records (issue 6).
@Suite(.serialized)
struct StatusAPITests {
    private func request(
        _ port: Int, _ path: String, method: String = "GET", token: String? = nil
    ) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    @Test func oneCallCanBeReadAndHungUp() async throws {
        let directory = try temporaryDirectory("cdr-delete")
        let cdr = directory.appendingPathComponent("cdr.jsonl")
        let harness = try await BridgeHarness.start(rtpRangeIndex: 37, records: "records: { cdr_path: \"\(cdr.path)\" }")
        let port = harness.bridge.statusPort
        let caller = try await harness.caller()
        #expect(try await caller.invite() == 200)
        let status = try await harness.status()
        let id = try #require(((status["calls"] as? [[String: Any]])?.first)?["call_id"] as? String)

        let (code, call) = try await request(port, "/calls/\(id)")
        #expect(code == 200)
        #expect(call["call_id"] as? String == id)
        #expect(call["route"] as? String == "agent")
        #expect(call["media"] is [String: Any])
        #expect(try await request(port, "/calls/no-such-call").0 == 404)

        #expect(try await request(port, "/calls/\(id)", method: "DELETE").0 == 204)
        try await caller.waitForBye(timeout: .seconds(5))
        let bye = try #require(caller.messages.first { $0.startLine.hasPrefix("BYE ") })
        #expect(bye.header("Reason")?.hasPrefix("Q.850;cause=16") == true)
        try await harness.waitIdle()
        #expect(try await request(port, "/calls/\(id)").0 == 404)
        #expect(try await request(port, "/calls/\(id)", method: "DELETE").0 == 404)

        let record = try #require(try String(contentsOf: cdr, encoding: .utf8).split(separator: "\n").first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any])
        #expect(json["call_id"] as? String == id)
        #expect(json["end_side"] as? String == "bridge")
        #expect(json["end_reason"] as? String == "bridge hung up")
        await caller.close()
        await harness.stop()
    }

    /// One JSON line per finished call, appended: ids, parties, times, who ended it, stats.
    @Test func everyFinishedCallWritesOneRecord() async throws {
        let directory = try temporaryDirectory("cdr")
        let cdr = directory.appendingPathComponent("cdr.jsonl")
        let harness = try await BridgeHarness.start(rtpRangeIndex: 38, records: "records: { cdr_path: \"\(cdr.path)\" }")
        for round in 0..<2 {
            let caller = try await harness.caller()
            #expect(try await caller.invite(user: "bot\(round)") == 200)
            for index in 0..<5 {
                try await caller.sendRTP(payload: pattern(160, seed: index), payloadType: 0, sequence: UInt16(index), timestamp: UInt32(index * 160))
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await caller.bye() == 200)
            try await harness.waitIdle()
            await caller.close()
        }
        let lines = try String(contentsOf: cdr, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        for (round, line) in lines.enumerated() {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect((json["call_id"] as? String)?.count == 36)
            #expect((json["stream_id"] as? String)?.count == 36)
            #expect(json["sip_call_id"] is String)
            #expect(json["from"] as? String == "caller")
            #expect(json["to"] as? String == "bot\(round)")
            #expect(json["route"] as? String == "agent")
            #expect(json["codec"] as? String == "PCMU")
            #expect(json["end_reason"] as? String == "caller hung up")
            #expect(json["end_side"] as? String == "caller")
            #expect(json["started_at"] is String && json["answered_at"] is String && json["ended_at"] is String)
            let duration = (json["duration_s"] as? NSNumber)?.doubleValue ?? 0
            #expect(duration > 0.15 && duration < 5)
            let media = json["media"] as? [String: Any]
            #expect(media?["packetsIn"] as? Int == 5)
        }
        await harness.stop()
    }

    /// `status.token`: everything but the probes needs the bearer token.
    @Test func theTokenGuardsEverythingButTheProbes() async throws {
        let token = "s3cret-token-0123456789"
        let harness = try await BridgeHarness.start(
            rtpRangeIndex: 40, statusExtra: "token: \"${STATUS_TOKEN}\"", environment: ["STATUS_TOKEN": token])
        let port = harness.bridge.statusPort
        for path in ["/status", "/metrics", "/calls/x"] {
            #expect(try await request(port, path).0 == 401, "\(path) without a token")
            #expect(try await request(port, path, token: "wrong-token-0123456789").0 == 401, "\(path) with a wrong one")
            #expect(try await request(port, path, token: token + "x").0 == 401)
        }
        #expect(try await request(port, "/drain", method: "POST").0 == 401)
        #expect(!harness.bridge.registry.isDraining)
        #expect(try await request(port, "/status", token: token).0 == 200)
        #expect(try await request(port, "/metrics", token: token).0 == 200)
        #expect(try await request(port, "/healthz").0 == 200)
        #expect(try await request(port, "/readyz").0 == 200)
        await harness.stop()
    }
}
