/// The wire dialect of a route's stream (spec §7; route option `stream.dialect`).
///
/// - `vobiz`: the target protocol (spec §3, §4).
/// - `plivo`: Vobiz plus Plivo's `extra_headers` on every `media` and `dtmf` event (spec §7).
/// - `twilio`: Twilio Media Streams — a `connected` preamble, `streamSid`/`callSid`/
///   `accountSid` naming, string counters, `mark` echoes instead of `playedStream`, `clear`
///   without an acknowledgement (pending marks come back), a `stop` event before the socket
///   closes, inbound `media`/`mark`/`clear`, µ-law 8 kHz only (spec §7 table).
public enum StreamDialect: String, Sendable, Hashable, CaseIterable {
    case vobiz
    case plivo
    case twilio
}

/// Twilio's identifiers: two letters and 32 lower-case hex digits (`MZ…` stream, `CA…` call,
/// `AC…` account). Derived from the bridge's UUIDs so the same call keeps the same SIDs in logs.
public enum TwilioSID {
    /// `prefix` + the UUID's 32 hex digits (dashes dropped, lower-cased); other text is kept as
    /// hex of its UTF-8 bytes, cut or zero-padded to 32 digits.
    public static func make(_ prefix: String, from identifier: String) -> String {
        var hex = identifier.lowercased().filter { $0 != "-" }
        if hex.count != 32 || !hex.allSatisfy(\.isHexDigit) {
            let digits = Array("0123456789abcdef")
            hex = String(identifier.utf8.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }.prefix(32))
            hex += String(repeating: "0", count: 32 - hex.count)
        }
        return prefix + hex
    }

    /// The account SID for `accountId`: kept when it already is one (`AC` + 32 hex), else
    /// derived from it.
    public static func account(_ accountId: String) -> String {
        accountId.count == 34 && accountId.hasPrefix("AC") ? accountId : make("AC", from: accountId)
    }
}
