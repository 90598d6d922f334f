import FuzzSupport
import NIOCore
import RTPMedia

/// libFuzzer target: a datagram on an RTP port pair — parsed as RTP (RFC 3550 §5.1) and as a
/// compound RTCP packet (§6.1); RTP payloads also go through the RFC 4733 event detector, which
/// keeps its state across inputs as it does across a call's packets.
nonisolated(unsafe) var detector = DTMFDetector()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let datagram = ByteBuffer(bytes: UnsafeRawBufferPointer(start: data, count: size))
    if let packet = try? RTPPacket(parsing: datagram) {
        _ = detector.push(packet.payload, timestamp: packet.header.timestamp)
    }
    _ = try? RTCPCompound(parsing: datagram)
    return 0
}

/// The entry point SwiftPM links (`FuzzRTP_main`): libFuzzer's driver.
@_cdecl("FuzzRTP_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data, size) }
}
