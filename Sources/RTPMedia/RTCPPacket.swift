public import NIOCore

/// One reception report block (RFC 3550 §6.4.1): what a receiver says about one source.
public struct ReceptionReport: Hashable, Sendable {
    /// The source reported on.
    public var ssrc: UInt32
    /// Fraction of packets lost since the previous report, in 1/256 (8 bits).
    public var fractionLost: UInt8
    /// Cumulative packets lost (24 bits, signed).
    public var cumulativeLost: Int32
    /// Extended highest sequence number received.
    public var highestSequence: UInt32
    /// Interarrival jitter in timestamp units.
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received from the source (LSR).
    public var lastSenderReport: UInt32
    /// Delay since that SR, in 1/65536 s (DLSR).
    public var delaySinceLastSenderReport: UInt32

    /// Creates a block.
    public init(
        ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, highestSequence: UInt32, jitter: UInt32,
        lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.highestSequence = highestSequence
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    static let size = 24

    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(ssrc)
        let lost = UInt32(bitPattern: max(-0x80_0000, min(0x7F_FFFF, cumulativeLost))) & 0x00FF_FFFF
        buffer.writeInteger(UInt32(fractionLost) << 24 | lost)
        buffer.writeInteger(highestSequence)
        buffer.writeInteger(jitter)
        buffer.writeInteger(lastSenderReport)
        buffer.writeInteger(delaySinceLastSenderReport)
    }

    init?(reading buffer: ByteBuffer, at offset: Int) {
        guard let ssrc = buffer.getInteger(at: offset, as: UInt32.self),
            let lostWord = buffer.getInteger(at: offset + 4, as: UInt32.self),
            let highest = buffer.getInteger(at: offset + 8, as: UInt32.self),
            let jitter = buffer.getInteger(at: offset + 12, as: UInt32.self),
            let lsr = buffer.getInteger(at: offset + 16, as: UInt32.self),
            let dlsr = buffer.getInteger(at: offset + 20, as: UInt32.self)
        else { return nil }
        var lost = Int32(bitPattern: lostWord & 0x00FF_FFFF)
        if lost & 0x0080_0000 != 0 { lost |= Int32(bitPattern: 0xFF00_0000) }  // sign-extend 24 bits
        self.init(
            ssrc: ssrc, fractionLost: UInt8(lostWord >> 24), cumulativeLost: lost, highestSequence: highest,
            jitter: jitter, lastSenderReport: lsr, delaySinceLastSenderReport: dlsr)
    }
}

/// The RTCP packets the bridge reads from a compound packet (RFC 3550 §6.1): sender and
/// receiver reports (their report blocks and, for SR, the NTP time for LSR); other types
/// (SDES, BYE, APP, feedback) are skipped by their length.
public struct RTCPCompound: Sendable {
    /// An SR's sender NTP timestamp, middle 32 bits (the peer's LSR reference for us).
    public var senderReportNTPMiddle: UInt32?
    /// The SSRC of the packet's sender.
    public var senderSSRC: UInt32?
    /// Every report block in the compound.
    public var reports: [ReceptionReport] = []

    /// Parses a compound RTCP datagram.
    /// - Throws: `RTPMediaError.truncated` when a length field points past the end, or
    ///   `.unsupportedVersion` for a version other than 2.
    public init(parsing datagram: ByteBuffer) throws(RTPMediaError) {
        var offset = datagram.readerIndex
        let end = datagram.writerIndex
        guard end - offset >= 8 else { throw .truncated(needed: 8, available: end - offset) }
        while offset + 4 <= end {
            let first = datagram.getInteger(at: offset, as: UInt8.self)!
            let type = datagram.getInteger(at: offset + 1, as: UInt8.self)!
            let words = Int(datagram.getInteger(at: offset + 2, as: UInt16.self)!)
            guard first >> 6 == 2 else { throw .unsupportedVersion(first >> 6) }
            let length = 4 * (words + 1)
            guard offset + length <= end else { throw .truncated(needed: offset + length, available: end) }
            let count = Int(first & 0x1F)
            switch type {
            case 200 where length >= 28:  // SR: SSRC, NTP (8), RTP ts, packets, octets, blocks
                senderSSRC = datagram.getInteger(at: offset + 4, as: UInt32.self)
                let ntpHigh = datagram.getInteger(at: offset + 8, as: UInt32.self)!
                let ntpLow = datagram.getInteger(at: offset + 12, as: UInt32.self)!
                senderReportNTPMiddle = ntpHigh << 16 | ntpLow >> 16
                readBlocks(datagram, at: offset + 28, count: count, limit: offset + length)
            case 201 where length >= 8:  // RR: SSRC, blocks
                senderSSRC = datagram.getInteger(at: offset + 4, as: UInt32.self)
                readBlocks(datagram, at: offset + 8, count: count, limit: offset + length)
            default:
                break
            }
            offset += length
        }
    }

    private mutating func readBlocks(_ buffer: ByteBuffer, at start: Int, count: Int, limit: Int) {
        for index in 0..<count {
            let offset = start + index * ReceptionReport.size
            guard offset + ReceptionReport.size <= limit, let block = ReceptionReport(reading: buffer, at: offset) else {
                return
            }
            reports.append(block)
        }
    }
}
