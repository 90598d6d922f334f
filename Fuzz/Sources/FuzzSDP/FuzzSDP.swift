import FuzzSupport
import SIPIngress
import Transcode

/// libFuzzer target: an SDP body (RFC 4566) through the parser and RFC 3264 offer/answer, as an
/// INVITE's body goes; the answer is built for whatever was negotiated.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let offer = try? SessionDescription(parsing: Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    for preferences in [[AudioCodec.pcmu, .pcma], [.g722, .pcmu]] {
        guard let media = try? OfferAnswer.negotiate(offer: offer, preferences: preferences) else { continue }
        _ = OfferAnswer.answer(to: offer, media: media, address: "127.0.0.1", port: 20000, sessionID: 1)
    }
    return 0
}

/// The entry point SwiftPM links (`FuzzSDP_main`): libFuzzer's driver.
@_cdecl("FuzzSDP_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data, size) }
}
