import Foundation
import Logging
import NIOCore
import RTPMedia
import SIPIngress
import Transcode

/// RTCP (RFC 3550 §6): a compound SR + reception report + SDES every `rtp.rtcp_interval_s`
/// (default 5 s, the §6.2 minimum; randomised
/// 0.5–1.5 × per §6.3.1 so calls do not synchronise), sent from the odd port to the caller's
/// RTP address + 1; the caller's reports give the round-trip time.
extension Call {
    func receivedRTCP(_ datagram: ByteBuffer, from source: SocketAddress) {
        guard isActive, let datagram = unprotected(datagram, rtcp: true), let compound = try? RTCPCompound(parsing: datagram)
        else { return }
        rtcp.received(compound, at: .now())
        if let rtt = rtcp.roundTripTime { stats.roundTripMilliseconds = Double(rtt.nanoseconds) / 1e6 }
        if let fraction = rtcp.remoteFractionLost { stats.remoteFractionLost = fraction }
    }

    func scheduleRTCP() {
        guard rtpConfig.rtcpIntervalSeconds > 0 else { return }
        let nominal = Double(rtpConfig.rtcpIntervalSeconds) * 1e9
        let interval = Int64(nominal * Double.random(in: 0.5...1.5))
        rtcpTask = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(interval)) {
            self.rtcpTimerFired()
        }
    }

    /// The RTCP timer ran: send a report and schedule the next. It can run after the call has
    /// ended: NIO runs a task it has already taken into its batch even when `end` cancels it in
    /// that batch. An ended call sends nothing and schedules nothing, else the timer would keep
    /// rescheduling itself, and holding the ended call, every few seconds for ever.
    func rtcpTimerFired() {
        guard isActive else { return }
        sendRTCP()
        scheduleRTCP()
    }

    private func sendRTCP() {
        guard let rtp, let port = remoteRTPAddress.port, !remoteRTPUnspecified,
            let destination = try? SocketAddress(ipAddress: remoteRTPAddress.ipAddress ?? "", port: port + 1)
        else { return }
        // NTP time: seconds since 1900-01-01 in 32.32 fixed point (RFC 3550 §4).
        let seconds = Date().timeIntervalSince1970 + 2_208_988_800
        let ntp = UInt64(seconds) << 32 | UInt64((seconds - seconds.rounded(.down)) * 4_294_967_296)
        let info = RTCPReporter.SenderInfo(
            ntpTimestamp: ntp, rtpTimestamp: sender.nextTimestamp, packetCount: UInt32(truncatingIfNeeded: sender.packetCount),
            octetCount: UInt32(truncatingIfNeeded: sender.packetCount &* UInt64(media.codec.bytesPer20ms)))
        var buffer = rtp.allocator.buffer(capacity: 128)
        rtcp.writeReport(sender: info, caller: ssrc.map { ($0, reception) }, now: .now(), into: &buffer)
        if let srtp {
            guard (try? srtp.protectRTCP(&buffer)) != nil else { return }
        }
        rtp.sendRTCP(buffer, to: destination)
        stats.rtcpSent += 1
    }
}
