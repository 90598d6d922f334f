import Logging
import NIOConcurrencyHelpers

extension CallRegistry {
    /// SIGHUP (issue 6): new calls use `config`'s routes, `sip.max_calls` and RTP media
    /// settings (codecs, reorder window, timeouts, idle silence, RTCP) from now on; calls in
    /// progress keep the route and settings they started with. Listeners, the RTP address and
    /// port range, TLS, authentication, registrations, SIP timers, the advertised address, the
    /// drain timeout, call records and the status server need a restart;
    /// the returned list names those that changed, for the log.
    @discardableResult
    func reload(_ config: BridgeConfig) -> [String] {
        let old = state.withLockedValue { state -> BridgeConfig in
            let old = state.live
            state.live = config
            return old
        }
        signalCapacity()
        var needRestart: [String] = []
        if old.sip.listenHost != config.sip.listenHost || old.sip.listenPort != config.sip.listenPort
            || old.sip.streamListeners != config.sip.streamListeners
        {
            needRestart.append("sip.listen")
        }
        if old.sip.tls != config.sip.tls { needRestart.append("sip.tls") }
        if old.sip.authentication != config.sip.authentication { needRestart.append("sip.auth") }
        if old.sip.registrations != config.sip.registrations { needRestart.append("sip.registrations") }
        if old.sip.admission != config.sip.admission { needRestart.append("sip.trusted_sources/rate_limit") }
        if old.sip.advertisedAddress != config.sip.advertisedAddress { needRestart.append("sip.advertised_address") }
        if old.sip.timers != config.sip.timers { needRestart.append("sip.timers") }
        if old.sip.sessionTimer != config.sip.sessionTimer { needRestart.append("sip.session_timer") }
        if old.drainTimeoutSeconds != config.drainTimeoutSeconds { needRestart.append("shutdown.drain_timeout_s") }
        if old.cdrPath != config.cdrPath || old.recordsEnabled != config.recordsEnabled { needRestart.append("records") }
        if old.rtp.address != config.rtp.address || old.rtp.portRange != config.rtp.portRange
            || old.rtp.sharedSockets != config.rtp.sharedSockets
        {
            needRestart.append("rtp.address/port_range")
        }
        if old.status.host != config.status.host || old.status.port != config.status.port || old.status.token != config.status.token {
            needRestart.append("status")
        }
        return needRestart
    }

    /// Opens `records.cdr_path` again (SIGHUP after log rotation).
    func reopenRecords() throws {
        try records?.reopen()
    }

    /// The routes new calls are matched against.
    var liveRoutes: [BridgeConfig.Route] { state.withLockedValue { $0.live.routes } }
}
