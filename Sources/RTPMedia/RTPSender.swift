public import NIOCore

/// The header state of the bridge's outgoing RTP stream (RFC 3550 §5.1): one random SSRC,
/// a sequence number and a timestamp that both start at random values and advance per frame.
public struct RTPSender: Sendable {
    /// The stream's SSRC.
    public let ssrc: UInt32
    /// The payload type negotiated for the codec. A re-offer may change the codec mid-call;
    /// the stream keeps its SSRC, sequence and timestamp (RFC 3550 §5.1: a source may change
    /// its payload type during a session).
    public var payloadType: UInt8
    /// Timestamp units per frame (160 for 20 ms at 8 kHz).
    public let samplesPerFrame: UInt32
    private var sequenceNumber: UInt16
    private var timestamp: UInt32
    private var startOfTalkSpurt = true
    /// Packets written so far.
    public private(set) var packetCount: UInt64 = 0

    /// The timestamp the next packet will carry (for the RTCP SR's RTP/NTP mapping).
    public var nextTimestamp: UInt32 { timestamp }

    /// Creates a sender with random initial values (RFC 3550 §5.1 recommends them).
    public init(payloadType: UInt8, samplesPerFrame: UInt32) {
        self.init(
            payloadType: payloadType, samplesPerFrame: samplesPerFrame, ssrc: .random(in: 1...UInt32.max),
            sequenceNumber: .random(in: 0...UInt16.max), timestamp: .random(in: 0...UInt32.max))
    }

    /// Creates a sender with given initial values (tests).
    public init(payloadType: UInt8, samplesPerFrame: UInt32, ssrc: UInt32, sequenceNumber: UInt16, timestamp: UInt32) {
        self.payloadType = payloadType
        self.samplesPerFrame = samplesPerFrame
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
    }

    /// Writes the header of the next packet and advances sequence number and timestamp.
    /// The first packet after `startTalkSpurt()` carries the marker bit (RFC 3551 §4.1).
    public mutating func writeNextHeader(into buffer: inout ByteBuffer) {
        RTPHeader(
            marker: startOfTalkSpurt, payloadType: payloadType, sequenceNumber: sequenceNumber, timestamp: timestamp,
            ssrc: ssrc
        ).write(into: &buffer)
        startOfTalkSpurt = false
        sequenceNumber &+= 1
        timestamp &+= samplesPerFrame
        packetCount += 1
    }

    /// Writes the header of a packet of another payload type on the same stream (RFC 4733
    /// §2.1: telephone-events share the audio's SSRC and sequence space) with its own timestamp
    /// and marker. The sequence number advances; the audio timestamp does not (call `skip`
    /// for the slot the packet took).
    public mutating func writeHeader(payloadType: UInt8, timestamp: UInt32, marker: Bool, into buffer: inout ByteBuffer) {
        RTPHeader(marker: marker, payloadType: payloadType, sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: ssrc)
            .write(into: &buffer)
        sequenceNumber &+= 1
        packetCount += 1
    }

    /// Accounts for frames that were not sent (a pacer stall): the timestamp advances, the
    /// sequence number does not (RFC 3550 §5.1: it counts packets, the timestamp counts time).
    public mutating func skip(frames: Int) {
        timestamp &+= samplesPerFrame &* UInt32(truncatingIfNeeded: frames)
    }

    /// Marks the next packet as the start of a talk-spurt.
    public mutating func startTalkSpurt() {
        startOfTalkSpurt = true
    }
}
