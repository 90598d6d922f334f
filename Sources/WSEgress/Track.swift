/// Which direction of the call a `media` frame carries (spec §3.2 `media.track`, §6).
///
/// Also listed in `start.tracks` (spec §3.1). With `audioTrack=both` the two tracks are sent as
/// interleaved `media` streams, each with its own `chunk` counter.
public enum Track: String, Sendable, Hashable, CaseIterable {
    /// Audio from the caller: SIP RTP received by the bridge.
    case inbound
    /// Audio the bridge plays to the caller (only when the route's audioTrack is outbound/both).
    case outbound

    /// The wire name, as a static string so writers copy it without touching `String`.
    var jsonName: StaticString {
        switch self {
        case .inbound: "inbound"
        case .outbound: "outbound"
        }
    }
}
