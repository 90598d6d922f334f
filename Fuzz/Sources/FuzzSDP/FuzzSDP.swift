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

/// SwiftPM links an executable's entry point as `FuzzSDP_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("FuzzSDP_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzz(data, size) }
}
