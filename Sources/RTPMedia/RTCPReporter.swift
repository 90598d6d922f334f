public import NIOCore

/// RTCP for one call (RFC 3550 §6): builds the bridge's compound report (SR with a reception
/// report about the caller, plus SDES CNAME) and reads the caller's reports to measure the
/// round-trip time (§6.4.1: RTT = A − LSR − DLSR, here with our own send time instead of A so
/// no wall clock is compared). Pure: times are arguments.
public struct RTCPReporter: Sendable {
    /// Our SSRC (the one our RTP uses).
    public let ssrc: UInt32
    /// The canonical name sent in SDES (§6.5.1).
    public let cname: String
    private var sentReports: [(ntpMiddle: UInt32, sent: NIODeadline)] = []
    private var peerSenderReport: (ntpMiddle: UInt32, arrival: NIODeadline)?
    private var previousExpected = 0
    private var previousReceived = 0
    /// The latest round-trip time measured from the caller's reports.
    public private(set) var roundTripTime: TimeAmount?
    /// The latest fraction of our packets the caller says it lost (0…1).
    public private(set) var remoteFractionLost: Double?
    /// The caller's reported jitter of our stream, in timestamp units.
    public private(set) var remoteJitter: UInt32?

    /// Creates a reporter.
    public init(ssrc: UInt32, cname: String) {
        self.ssrc = ssrc
        self.cname = cname
    }

    /// What the sender side of the report states (§6.4.1 sender info).
    public struct SenderInfo: Sendable {
        /// The wall clock as a 64-bit NTP timestamp (seconds since 1900 in 32.32 fixed point).
        public var ntpTimestamp: UInt64
        /// The RTP timestamp corresponding to that instant.
        public var rtpTimestamp: UInt32
        /// Packets sent so far.
        public var packetCount: UInt32
        /// Payload octets sent so far.
        public var octetCount: UInt32

        /// Creates sender info.
        public init(ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32) {
            self.ntpTimestamp = ntpTimestamp
            self.rtpTimestamp = rtpTimestamp
            self.packetCount = packetCount
            self.octetCount = octetCount
        }
    }

    /// Writes a compound SR + SDES (§6.1) into `buffer`.
    /// - Parameters:
    ///   - sender: our sender info.
    ///   - caller: the caller's SSRC and reception statistics, once media has arrived.
    ///   - now: the send time (for DLSR and for the RTT of the caller's answer).
    public mutating func writeReport(
        sender: SenderInfo, caller: (ssrc: UInt32, statistics: ReceptionStatistics)?, now: NIODeadline,
        into buffer: inout ByteBuffer
    ) {
        let blocks = caller == nil ? 0 : 1
        buffer.writeInteger(UInt8(0x80 | blocks))
        buffer.writeInteger(UInt8(200))
        buffer.writeInteger(UInt16(6 + 6 * blocks))  // length in 32-bit words minus one
        buffer.writeInteger(ssrc)
        buffer.writeInteger(sender.ntpTimestamp)
        buffer.writeInteger(sender.rtpTimestamp)
        buffer.writeInteger(sender.packetCount)
        buffer.writeInteger(sender.octetCount)
        if let caller { block(for: caller.ssrc, caller.statistics, now: now).write(into: &buffer) }
        writeSourceDescription(into: &buffer)
        let middle = UInt32(truncatingIfNeeded: sender.ntpTimestamp >> 16)
        sentReports.append((middle, now))
        if sentReports.count > 8 { sentReports.removeFirst() }
    }

    /// Reads the caller's compound RTCP: remembers its SR for LSR/DLSR and measures the RTT
    /// from report blocks about our SSRC.
    public mutating func received(_ compound: RTCPCompound, at now: NIODeadline) {
        if let middle = compound.senderReportNTPMiddle { peerSenderReport = (middle, now) }
        for report in compound.reports where report.ssrc == ssrc {
            remoteFractionLost = Double(report.fractionLost) / 256
            remoteJitter = report.jitter
            guard report.lastSenderReport != 0,
                let sent = sentReports.last(where: { $0.ntpMiddle == report.lastSenderReport })?.sent
            else { continue }
            let delay = TimeAmount.nanoseconds(Int64(report.delaySinceLastSenderReport) * 1_000_000_000 / 65_536)
            let rtt = (now - sent) - delay
            if rtt >= .zero { roundTripTime = rtt }
        }
    }

    /// §6.4.1 report block, with the fraction lost over the interval since the last report.
    private mutating func block(for source: UInt32, _ statistics: ReceptionStatistics, now: NIODeadline) -> ReceptionReport {
        let expectedInterval = statistics.expected - previousExpected
        let receivedInterval = statistics.received - previousReceived
        previousExpected = statistics.expected
        previousReceived = statistics.received
        let lostInterval = expectedInterval - receivedInterval
        let fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : min(255, (lostInterval << 8) / expectedInterval)
        var lsr: UInt32 = 0
        var dlsr: UInt32 = 0
        if let peer = peerSenderReport {
            lsr = peer.ntpMiddle
            dlsr = UInt32(clamping: (now - peer.arrival).nanoseconds * 65_536 / 1_000_000_000)
        }
        return ReceptionReport(
            ssrc: source, fractionLost: UInt8(fraction), cumulativeLost: Int32(clamping: statistics.lost),
            highestSequence: statistics.extendedHighestSequence, jitter: UInt32(statistics.jitter.rounded()),
            lastSenderReport: lsr, delaySinceLastSenderReport: dlsr)
    }

    /// SDES with one CNAME item (§6.5), padded to a 32-bit boundary with at least one zero.
    private func writeSourceDescription(into buffer: inout ByteBuffer) {
        let name = Array(cname.utf8.prefix(255))
        let chunk = 4 + 2 + name.count + 1
        let padded = (chunk + 3) / 4 * 4
        buffer.writeInteger(UInt8(0x81))
        buffer.writeInteger(UInt8(202))
        buffer.writeInteger(UInt16(padded / 4))
        buffer.writeInteger(ssrc)
        buffer.writeInteger(UInt8(1))  // CNAME
        buffer.writeInteger(UInt8(name.count))
        buffer.writeBytes(name)
        buffer.writeRepeatingByte(0, count: padded - chunk + 1)
    }
}
