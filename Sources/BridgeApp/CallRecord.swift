import Foundation
import Logging
import NIOConcurrencyHelpers
import SIPIngress
import Transcode
import WSEgress

/// The call detail record written when a call ends (issue 6): one JSON line per call, with its
/// ids, parties, route, times, who ended it and why, and the media and stream statistics.
struct CallRecord: Codable, Sendable {
    var callID: String
    var streamID: String
    var sipCallID: String
    var from: String
    var to: String
    var route: String
    var codec: String
    var startedAt: Date
    var answeredAt: Date?
    var endedAt: Date
    var durationSeconds: Double
    var endReason: String
    /// `caller`, `ai` (the AI server) or `bridge`.
    var endSide: String
    var media: MediaStats

    enum CodingKeys: String, CodingKey {
        case callID = "call_id"
        case streamID = "stream_id"
        case sipCallID = "sip_call_id"
        case from, to, route, codec
        case startedAt = "started_at"
        case answeredAt = "answered_at"
        case endedAt = "ended_at"
        case durationSeconds = "duration_s"
        case endReason = "end_reason"
        case endSide = "end_side"
        case media
    }
}

/// Appends call records as JSON lines to `records.cdr_path`, or to standard output when it is
/// not set (logs go to standard error, so stdout stays machine-readable). Thread-safe; a failed
/// write is logged by the caller and never affects a call.
///
/// The file is opened with `O_APPEND` (every line lands at the current end, so `copytruncate`
/// rotation is safe) and reopened on SIGHUP (`reopen()`), so rename rotation (`logrotate`
/// `create` + `postrotate systemctl reload sipbridge`) moves on to the new file.
final class CallRecordWriter: Sendable {
    private let path: String?
    private let state: NIOLockedValueBox<(file: FileHandle, encoder: JSONEncoder)>

    /// Opens (creating or appending to) `path`, or standard output for `nil`.
    init(path: String?) throws {
        self.path = path
        let file = try path.map(Self.open) ?? FileHandle.standardOutput
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        state = NIOLockedValueBox((file, encoder))
    }

    private static func open(_ path: String) throws -> FileHandle {
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw BridgeStartError("cannot open records.cdr_path \(path): \(String(cString: strerror(errno)))")
        }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Opens `records.cdr_path` again (after rotation moved it); on failure the old file stays.
    func reopen() throws {
        guard let path else { return }
        let file = try Self.open(path)
        state.withLockedValue { $0.file = file }
    }

    /// Writes one record as a line.
    func write(_ record: CallRecord) throws {
        try state.withLockedValue { state in
            var line = try state.encoder.encode(record)
            line.append(0x0A)
            try state.file.write(contentsOf: line)
        }
    }
}

extension Call.EndReason {
    /// Who ended the call: the caller (SIP), the AI server (the stream), or the bridge itself.
    var side: String {
        switch self {
        case .callerHungUp, .callerCancelled, .noAck, .sessionExpired: "caller"
        case .streamStopped, .streamClosed: "ai"
        case .streamTimeout, .mediaTimeout, .setupFailed, .bridgeHungUp, .shutdown: "bridge"
        }
    }
}

extension Call {
    /// Writes the call's record (`records.cdr_path` or stdout); a failure is logged only.
    func writeRecord(_ reason: EndReason) {
        guard let records else { return }
        let now = Date()
        let record = CallRecord(
            callID: id, streamID: streamSession.streamId, sipCallID: incoming.sipCallID,
            from: incoming.fromUser ?? incoming.invite.from.uri.text, to: incoming.toUser ?? incoming.requestUser ?? "",
            route: route.name, codec: media.codec.rawValue, startedAt: startedAt, answeredAt: answeredAt, endedAt: now,
            durationSeconds: answeredAt.map { now.timeIntervalSince($0) } ?? 0, endReason: reason.rawValue,
            endSide: reason.side, media: stats)
        do {
            try records.write(record)
        } catch {
            logger.warning("cannot write the call record", metadata: ["error": "\(error)"])
        }
    }
}
