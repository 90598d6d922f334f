import FuzzSupport
import NIOCore
import NIOEmbedded
import SIPIngress

/// libFuzzer target: one datagram through the whole SIP core (libosip2 parsing, admission,
/// transactions, dialogs, SDP offer/answer), as `UserAgent` runs it but without sockets. Offered
/// calls are rejected like an application would; every 256 inputs the embedded clock jumps 10
/// minutes so every timer runs and the tables empty (a leak or a stuck entry shows as growth).
final class Harness: UserAgentDelegate, @unchecked Sendable {
    let loop = EmbeddedEventLoop()
    var engine: SIPEngine!
    var offered: [SessionID] = []
    var inputs = 0
    let source = try! SocketAddress(ipAddress: "198.51.100.20", port: 5060)

    init() { engine = SIPEngine(eventLoop: loop, delegate: self) }

    func run(_ bytes: UnsafeRawBufferPointer) {
        engine.receive(ByteBuffer(bytes: bytes), from: source)
        for id in offered { engine.reject(id, status: 486) }
        offered.removeAll(keepingCapacity: true)
        inputs += 1
        if inputs % 256 == 0 {
            loop.advanceTime(by: .seconds(600))
            let sizes = engine.tableSizes
            precondition(sizes.transactions == 0 && sizes.sessions == 0, "SIP tables not empty after every timer ran: \(sizes)")
        }
    }

    func incomingCall(_ call: IncomingCall) { offered.append(call.id) }
    func callEnded(_ id: SessionID, reason: CallEndReason) {}
    func sessionUpdated(_ id: SessionID, _ update: SessionUpdate) {}
    func receivedDTMF(_ id: SessionID, digit: Character, durationMilliseconds: Int) {}
}

let harness = Harness()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    harness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// The entry point SwiftPM links (`FuzzSIP_main`): libFuzzer's driver.
@_cdecl("FuzzSIP_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data, size) }
}
