import Foundation
import Testing
import TestSupport

@testable import BridgeApp

/// `records.cdr_path` and log rotation: lines are appended (`O_APPEND`, so `copytruncate` leaves
/// no gap) and a reopen (SIGHUP) moves on to a new file after rename rotation.
struct CallRecordWriterTests {
    private func record(_ id: String) -> CallRecord {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return CallRecord(
            callID: id, streamID: "s", sipCallID: "sip", from: "a", to: "b", route: "r", codec: "PCMU", startedAt: now,
            answeredAt: now, endedAt: now, durationSeconds: 0, endReason: "caller hung up", endSide: "caller", media: MediaStats())
    }

    private func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test func existingRecordsAreKeptAndRotationWorksBothWays() throws {
        let directory = try temporaryDirectory("cdr")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cdr.jsonl")
        try Data("{\"earlier\":1}\n".utf8).write(to: file)

        let writer = try CallRecordWriter(path: file.path)
        try writer.write(record("one"))
        #expect(try lines(file).count == 3, "the earlier line, the new one, the final newline")
        #expect(try lines(file)[1].contains("\"call_id\":\"one\""))

        // copytruncate: the file is emptied under the writer; the next line starts at 0.
        try FileHandle(forWritingTo: file).truncate(atOffset: 0)
        try writer.write(record("two"))
        let afterTruncate = try Data(contentsOf: file)
        #expect(afterTruncate.first == UInt8(ascii: "{"), "no run of NUL bytes before the line")
        #expect(try lines(file).count == 2)

        // Rename rotation: the writer keeps the renamed file until reopened, then creates anew.
        let rotated = directory.appendingPathComponent("cdr.jsonl.1")
        try FileManager.default.moveItem(at: file, to: rotated)
        try writer.write(record("three"))
        try writer.reopen()
        try writer.write(record("four"))
        #expect(try lines(rotated).filter { !$0.isEmpty }.map { $0.contains("\"three\"") || $0.contains("\"two\"") } == [true, true])
        #expect(try lines(file).first?.contains("\"call_id\":\"four\"") == true)
    }

    @Test func anUnwritablePathIsAClearError() {
        #expect(throws: BridgeStartError.self) { try CallRecordWriter(path: "/nonexistent-dir/cdr.jsonl") }
    }
}
