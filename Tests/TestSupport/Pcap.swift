import Foundation

/// Reads classic libpcap files (tcpdump `-w`, and SIPp's bundled RTP captures) and extracts
/// UDP datagrams with their capture times.
public enum Pcap {
    /// One UDP datagram from a capture.
    public struct UDPPacket: Sendable {
        /// Capture time in seconds since the epoch.
        public let time: Double
        public let sourcePort: Int
        public let destinationPort: Int
        public let payload: [UInt8]
    }

    /// Parses a pcap file's IPv4/UDP packets (link types Ethernet and Linux cooked).
    public static func udpPackets(in data: [UInt8]) throws -> [UDPPacket] {
        guard data.count >= 24 else { throw TestFailure("pcap too short") }
        let magic = UInt32(data[0]) | UInt32(data[1]) << 8 | UInt32(data[2]) << 16 | UInt32(data[3]) << 24
        let littleEndian: Bool
        let nanoseconds: Bool
        switch magic {
        case 0xA1B2_C3D4: (littleEndian, nanoseconds) = (true, false)
        case 0xA1B2_3C4D: (littleEndian, nanoseconds) = (true, true)
        case 0xD4C3_B2A1: (littleEndian, nanoseconds) = (false, false)
        case 0x4D3C_B2A1: (littleEndian, nanoseconds) = (false, true)
        default: throw TestFailure("not a pcap file")
        }
        func u32(_ offset: Int) -> UInt32 {
            let bytes = data[offset..<offset + 4].map(UInt32.init)
            return littleEndian
                ? bytes[0] | bytes[1] << 8 | bytes[2] << 16 | bytes[3] << 24
                : bytes[3] | bytes[2] << 8 | bytes[1] << 16 | bytes[0] << 24
        }
        let linkType = u32(20)
        var packets: [UDPPacket] = []
        var offset = 24
        while offset + 16 <= data.count {
            let seconds = Double(u32(offset))
            let fraction = Double(u32(offset + 4)) / (nanoseconds ? 1e9 : 1e6)
            let length = Int(u32(offset + 8))
            let start = offset + 16
            guard start + length <= data.count else { break }
            let frame = Array(data[start..<start + length])
            offset = start + length
            let ipOffset: Int
            switch linkType {
            case 1: ipOffset = 14  // Ethernet (Linux lo)
            case 113: ipOffset = 16  // Linux cooked
            case 101: ipOffset = 0  // raw IP
            default: continue
            }
            guard frame.count > ipOffset + 20, frame[ipOffset] >> 4 == 4, frame[ipOffset + 9] == 17 else { continue }
            let udp = ipOffset + Int(frame[ipOffset] & 0x0F) * 4
            guard frame.count >= udp + 8 else { continue }
            let sourcePort = Int(frame[udp]) << 8 | Int(frame[udp + 1])
            let destinationPort = Int(frame[udp + 2]) << 8 | Int(frame[udp + 3])
            let udpLength = Int(frame[udp + 4]) << 8 | Int(frame[udp + 5])
            let end = min(frame.count, udp + max(8, udpLength))
            packets.append(
                UDPPacket(
                    time: seconds + fraction, sourcePort: sourcePort, destinationPort: destinationPort,
                    payload: Array(frame[(udp + 8)..<end])))
        }
        return packets
    }

    /// RTP payloads of `packets` with payload type `payloadType`, in capture order.
    public static func rtpPayloads(_ packets: [UDPPacket], payloadType: UInt8) -> [(time: Double, sequence: UInt16, payload: [UInt8])] {
        packets.compactMap { packet in
            let bytes = packet.payload
            guard bytes.count >= 12, bytes[0] >> 6 == 2, bytes[1] & 0x7F == payloadType else { return nil }
            let header = 12 + 4 * Int(bytes[0] & 0x0F)
            guard bytes.count >= header else { return nil }
            return (packet.time, UInt16(bytes[2]) << 8 | UInt16(bytes[3]), Array(bytes[header...]))
        }
    }
}
