import FuzzSupport
import NIOCore
import WSEgress

/// libFuzzer target: a WebSocket message from the AI server through the event parser of every
/// dialect (RFC 8259 scanning, base64 decoding, field typing).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for dialect in StreamDialect.allCases {
        _ = try? InboundEventParser.parse(bytes, dialect: dialect)
    }
    return 0
}

/// The entry point SwiftPM links (`FuzzStreamJSON_main`): libFuzzer's driver.
@_cdecl("FuzzStreamJSON_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzz(data, size) }
}
