public import NIOCore

/// The fixed RTP header of RFC 3550 §5.1, plus the CSRC list and header extension (§5.3.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// |                           timestamp                           |
/// |           synchronization source (SSRC) identifier            |
/// |            contributing source (CSRC) identifiers             | (CC × 32 bits)
/// ```
public struct RTPHeader: Hashable, Sendable {
    /// The marker bit (RFC 3551 §4.1: the first packet of a talk-spurt).
    public var marker: Bool
    /// The payload type (RFC 3551 §6).
    public var payloadType: UInt8
    /// The sequence number, +1 per packet (RFC 3550 §5.1).
    public var sequenceNumber: UInt16
    /// The sampling instant of the first payload octet, in clock-rate units.
    public var timestamp: UInt32
    /// The synchronization source.
    public var ssrc: UInt32
    /// Contributing sources (empty for the bridge's own packets).
    public var csrcs: [UInt32]
    /// The header extension's profile-defined identifier, when the X bit was set (§5.3.1).
    public var extensionProfile: UInt16?

    /// Size of the fixed part of the header.
    public static let fixedSize = 12

    /// Creates a header without CSRCs or extension.
    public init(marker: Bool, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32) {
        self.marker = marker
        self.payloadType = payloadType & 0x7F
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = []
        self.extensionProfile = nil
    }

    /// The CSRCs that fit the 4-bit CC field; any beyond 15 are not written (§5.1).
    private var writtenCSRCCount: Int { min(csrcs.count, 15) }

    /// Bytes the header occupies when written (the bridge writes no extension).
    public var encodedSize: Int { Self.fixedSize + 4 * writtenCSRCCount }

    /// Writes the header (version 2, no padding, no extension) in network byte order.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0x80 | UInt8(writtenCSRCCount)))
        buffer.writeInteger((marker ? 0x80 : 0) | payloadType & 0x7F)
        buffer.writeInteger(sequenceNumber)
        buffer.writeInteger(timestamp)
        buffer.writeInteger(ssrc)
        for csrc in csrcs.prefix(writtenCSRCCount) { buffer.writeInteger(csrc) }
    }
}

/// An RTP packet: its header and a zero-copy slice of its payload (padding removed).
public struct RTPPacket: Sendable {
    /// The parsed header.
    public var header: RTPHeader
    /// The payload, sharing storage with the datagram it was parsed from.
    public var payload: ByteBuffer

    /// Creates a packet.
    public init(header: RTPHeader, payload: ByteBuffer) {
        self.header = header
        self.payload = payload
    }

    /// Parses a datagram (RFC 3550 §5.1, §5.3.1).
    /// - Parameter datagram: the UDP payload.
    /// - Throws: `RTPMediaError` for a version other than 2, a header longer than the
    ///   datagram, or a padding count that does not fit.
    public init(parsing datagram: ByteBuffer) throws(RTPMediaError) {
        let available = datagram.readableBytes
        guard available >= RTPHeader.fixedSize,
            let first = datagram.getInteger(at: datagram.readerIndex, as: UInt8.self),
            let second = datagram.getInteger(at: datagram.readerIndex + 1, as: UInt8.self),
            let sequence = datagram.getInteger(at: datagram.readerIndex + 2, as: UInt16.self),
            let timestamp = datagram.getInteger(at: datagram.readerIndex + 4, as: UInt32.self),
            let ssrc = datagram.getInteger(at: datagram.readerIndex + 8, as: UInt32.self)
        else { throw .truncated(needed: RTPHeader.fixedSize, available: available) }
        guard first >> 6 == 2 else { throw .unsupportedVersion(first >> 6) }
        var header = RTPHeader(
            marker: second & 0x80 != 0, payloadType: second & 0x7F, sequenceNumber: sequence, timestamp: timestamp,
            ssrc: ssrc)
        var offset = RTPHeader.fixedSize
        let csrcCount = Int(first & 0x0F)
        guard available >= offset + 4 * csrcCount else {
            throw .truncated(needed: offset + 4 * csrcCount, available: available)
        }
        for index in 0..<csrcCount {
            header.csrcs.append(datagram.getInteger(at: datagram.readerIndex + offset + 4 * index, as: UInt32.self)!)
        }
        offset += 4 * csrcCount
        if first & 0x10 != 0 {
            // §5.3.1: 16-bit profile id, 16-bit length in 32-bit words, then the data.
            guard available >= offset + 4,
                let profile = datagram.getInteger(at: datagram.readerIndex + offset, as: UInt16.self),
                let words = datagram.getInteger(at: datagram.readerIndex + offset + 2, as: UInt16.self)
            else { throw .truncated(needed: offset + 4, available: available) }
            header.extensionProfile = profile
            offset += 4 + 4 * Int(words)
            guard available >= offset else { throw .truncated(needed: offset, available: available) }
        }
        var payloadLength = available - offset
        if first & 0x20 != 0 {
            // The last octet counts the padding octets, itself included (§5.1, P bit).
            let padding = Int(datagram.getInteger(at: datagram.readerIndex + available - 1, as: UInt8.self) ?? 0)
            guard padding > 0, padding <= payloadLength else { throw .badPadding(padding) }
            payloadLength -= padding
        }
        self.header = header
        self.payload = datagram.getSlice(at: datagram.readerIndex + offset, length: payloadLength)!
    }
}
