/// Session timer settings (`sip.session_timer`, RFC 4028): how long a call may go without a
/// refresh before it is presumed dead — the cure for calls whose BYE was lost.
public struct SessionTimerSettings: Sendable, Hashable {
    /// Whether the bridge takes part (when off it behaves as a UAS without the extension).
    public var enabled: Bool
    /// The interval the bridge proposes when the caller supports timers but asks for none.
    public var sessionExpires: Int
    /// The smallest interval the bridge accepts (`Min-SE`, RFC 4028 §5; at least 90 in the RFC).
    public var minimumSessionExpires: Int

    /// Creates settings; the defaults are RFC 4028's recommendations (1800 s, 90 s).
    public init(enabled: Bool = true, sessionExpires: Int = 1800, minimumSessionExpires: Int = 90) {
        self.enabled = enabled
        self.sessionExpires = sessionExpires
        self.minimumSessionExpires = minimumSessionExpires
    }
}

/// Which side sends the refreshes (RFC 4028 §4).
public enum SessionRefresher: String, Sendable, Hashable {
    case uac, uas
}

/// The UAS side of RFC 4028 §9 for one INVITE, re-INVITE or UPDATE: whether the session gets
/// a timer, how long, and who refreshes — or 422 when the asked interval is below `Min-SE`.
public enum SessionTimerNegotiation: Sendable, Hashable {
    /// No session timer (the caller neither asked nor supports one, or timers are off).
    case none
    /// `422 Session Interval Too Small` with this `Min-SE` (§9).
    case tooSmall(minimum: Int)
    /// A timer of `interval` seconds refreshed by `refresher`.
    case active(interval: Int, refresher: SessionRefresher)

    /// Negotiates for a request.
    /// - Parameters:
    ///   - request: the INVITE, re-INVITE or UPDATE.
    ///   - settings: the bridge's settings.
    /// - Returns: the outcome. The bridge never refreshes with re-INVITE, so it takes the
    ///   refresher role only from callers that allow UPDATE (RFC 3311); otherwise the caller
    ///   refreshes, or — when it does not support timers — there is no timer.
    public static func negotiate(_ request: SIPMessage, settings: SessionTimerSettings) -> SessionTimerNegotiation {
        guard settings.enabled else { return .none }
        // One pass over the headers (this runs for every INVITE): the first element of the
        // first Session-Expires and Min-SE that have one, and whether Supported lists `timer`
        // and Allow lists `UPDATE`.
        var found = RequestedTimer()
        // The headers are read in place (`headers[index]`, never a copy of one), and a name's
        // length picks the one field it can be (most fields are none of the four).
        request.withOtherHeaders { headers in
            for index in headers.indices {
                switch headers[index].name.utf8.count {
                case 1:
                    if headers[index].name.equalsIgnoringASCIICase("x") {
                        found.readSessionExpires(headers[index].value)
                    } else if headers[index].name.equalsIgnoringASCIICase("k") {
                        found.readSupported(headers[index].value)
                    }
                case 5 where headers[index].name.equalsIgnoringASCIICase("Allow"):
                    found.readAllow(headers[index].value)
                case 6 where headers[index].name.equalsIgnoringASCIICase("min-se"):
                    found.readMinimum(headers[index].value)
                case 9 where headers[index].name.equalsIgnoringASCIICase("supported"):
                    found.readSupported(headers[index].value)
                case 15 where headers[index].name.equalsIgnoringASCIICase("session-expires"):
                    found.readSessionExpires(headers[index].value)
                default:
                    break
                }
            }
        }
        let (asked, askedRefresher, callerMinimum) = (found.asked, found.refresher, found.callerMinimum)
        let (supportsTimer, allowsUpdate) = (found.supportsTimer, found.allowsUpdate)
        let minimum = max(settings.minimumSessionExpires, callerMinimum)
        if let asked, asked < settings.minimumSessionExpires {
            return .tooSmall(minimum: max(settings.minimumSessionExpires, callerMinimum))
        }
        guard asked != nil || supportsTimer else { return .none }
        // §9: the UAS may lower the interval, never below either side's Min-SE.
        let interval = max(min(asked ?? settings.sessionExpires, settings.sessionExpires), minimum)
        let refresher: SessionRefresher
        if supportsTimer {
            refresher = askedRefresher == .uas && allowsUpdate ? .uas : .uac
        } else {
            // A proxy added the header for a caller that cannot refresh: the UAS must (§9).
            guard allowsUpdate else { return .none }
            refresher = .uas
        }
        return .active(interval: interval, refresher: refresher)
    }

    /// Headers for the 2xx (§9): `Session-Expires` with the refresher, `Require: timer` when
    /// the caller refreshes (it said it supports timers), `Supported: timer` always.
    /// Without a timer, `Supported: timer` still says the bridge could run one — unless
    /// `settings.enabled` is off.
    public func responseHeaders(_ settings: SessionTimerSettings) -> [SIPHeader] {
        guard case .active(let interval, let refresher) = self else {
            return settings.enabled ? [SIPHeader("Supported", "timer")] : []
        }
        var headers = [SIPHeader("Session-Expires", "\(interval);refresher=\(refresher.rawValue)"), SIPHeader("Supported", "timer")]
        if refresher == .uac { headers.append(SIPHeader("Require", "timer")) }
        return headers
    }

    /// When the bridge acts, in seconds after the 2xx: as refresher, at half the interval (§10);
    /// otherwise at the interval less a third or 32 s, whichever is smaller, it ends the call
    /// with BYE (§10).
    public var deadline: Int? {
        guard case .active(let interval, let refresher) = self else { return nil }
        return refresher == .uas ? interval / 2 : interval - min(32, interval / 3)
    }
}

/// What a request asks of the session timer (RFC 4028 §7.1, §7.2), gathered field by field.
private struct RequestedTimer {
    /// The first `Session-Expires` delta-seconds and its refresher.
    var asked: Int?
    var refresher: SessionRefresher?
    var seenSessionExpires = false
    /// The first `Min-SE` (0 without one).
    var callerMinimum = 0
    var seenMinimum = false
    /// Whether `Supported` lists `timer` and `Allow` lists `UPDATE` (RFC 3311).
    var supportsTimer = false
    var allowsUpdate = false

    /// `Session-Expires: delta-seconds *(;se-params)` (RFC 4028 §4): its first element.
    mutating func readSessionExpires(_ value: String) {
        guard !seenSessionExpires else { return }
        HeaderFieldScan.forEachElement(of: value) { element in
            let seconds = HeaderFieldScan.parameters(of: element) { name, value in
                guard HeaderFieldScan.equalFolded(name, "refresher".utf8), let value else { return false }
                refresher =
                    HeaderFieldScan.equalFolded(value, "uac".utf8) ? .uac
                    : HeaderFieldScan.equalFolded(value, "uas".utf8) ? .uas : nil
                return refresher != nil
            }
            asked = HeaderFieldScan.decimal(seconds)
            seenSessionExpires = true
            return true
        }
    }

    /// `Min-SE: delta-seconds *(;generic-param)` (RFC 4028 §5): its first element.
    mutating func readMinimum(_ value: String) {
        guard !seenMinimum else { return }
        HeaderFieldScan.forEachElement(of: value) { element in
            callerMinimum = HeaderFieldScan.decimal(HeaderFieldScan.parameters(of: element) { _, _ in true }) ?? 0
            seenMinimum = true
            return true
        }
    }

    mutating func readSupported(_ value: String) {
        if !supportsTimer { supportsTimer = HeaderFieldScan.lists(value, "timer".utf8) }
    }

    mutating func readAllow(_ value: String) {
        if !allowsUpdate { allowsUpdate = HeaderFieldScan.lists(value, "UPDATE".utf8) }
    }
}
