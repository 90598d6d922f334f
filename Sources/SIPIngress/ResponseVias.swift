/// The `Via` header of the responses to one request (RFC 3261 §8.2.6.2: the request's Via
/// values, in order), with the top value's fix-ups: `received` when the source host differs from
/// `sent-by` (§18.2.1), and `rport` filled in, with `received`, when the client asked for it
/// (RFC 3581 §4).
///
/// `lines` is what responses write: the request's Via lines as they arrived, with only the top
/// via-parm edited, when the parser kept them (`SIPMessage.receivedViaLines`) and that via-parm is
/// plain (no white space after `sent-by`, no quoted string, no empty parameter name or value);
/// otherwise the Vias rendered. Copying
/// costs about a tenth of rendering two Vias. The fixed-up values themselves (`vias`) are made
/// only when read: a response carries the request's Vias and the fix-up (`SIPMessage.setVias`),
/// and nothing on the way out reads them. Debug builds parse every edited copy again and check
/// that it gives `vias`.
struct ResponseVias {
    /// The request's Vias.
    let requestVias: [Via]
    /// What changes in the top one, if anything.
    let fixup: TopViaFixup?
    /// The lines responses write, or nil when they are to be rendered from `vias`.
    let lines: [UInt8]?

    /// The Vias, the top one fixed up.
    var vias: [Via] { fixup.map { $0.applied(to: requestVias) } ?? requestVias }

    /// The Vias for responses to `request`, which came from `sourceHost`:`sourcePort`.
    init(_ request: SIPMessage, sourceHost: String?, sourcePort: Int?) {
        let vias = request.vias
        let received = request.receivedViaLines
        requestVias = vias
        guard let sourceHost, let fixup = TopViaFixup(vias.first, sourceHost: sourceHost, sourcePort: sourcePort) else {
            (self.fixup, lines) = (nil, received)
            return
        }
        self.fixup = fixup
        lines = received.flatMap { Self.edited($0, rport: fixup.rport, received: fixup.received) }
        #if DEBUG
        if let lines { Self.check(lines, self.vias) }
        #endif
    }

    /// `lines` with the top via-parm's `rport` set to `rport` (when not nil) and its `received`
    /// set to `received`, or added at its end; nil when the via-parm is not plain.
    static func edited(_ lines: [UInt8], rport: Int?, received: String) -> [UInt8]? {
        lines.withUnsafeBytes { bytes -> [UInt8]? in
            guard let top = TopViaParameters(bytes.assumingMemoryBound(to: UInt8.self)) else { return nil }
            // At most `=` and the digits for rport, `;received=` and the host for received.
            let capacity = bytes.count + received.utf8.count + WireWriter.digits(rport ?? 0) + 16
            return .written(capacity: capacity) { out in
                var writer = WireWriter(out)
                var copied = 0
                func copy(upTo end: Int) {
                    writer.append(UnsafeRawBufferPointer(rebasing: bytes[copied..<end]))
                    copied = end
                }
                // A parameter filled in keeps its name as it arrived and gets the value.
                func fillRport() {
                    guard let rport, let name = top.rport else { return }
                    copy(upTo: name.upperBound)
                    writer.appendByte(UInt8(ascii: "="))
                    writer.appendDecimal(rport)
                    copied = top.rportEnd
                }
                func fillReceived() {
                    guard let name = top.received else { return }
                    copy(upTo: name.upperBound)
                    writer.appendByte(UInt8(ascii: "="))
                    writer.append(received)
                    copied = top.receivedEnd
                }
                if (top.rport?.lowerBound ?? .max) < (top.received?.lowerBound ?? .max) {
                    fillRport()
                    fillReceived()
                } else {
                    fillReceived()
                    fillRport()
                }
                copy(upTo: top.end)
                if top.received == nil {
                    writer.append(";received=")
                    writer.append(received)
                }
                copy(upTo: bytes.count)
                return writer.offset
            }
        }
    }

    #if DEBUG
    /// The edited lines, parsed in a response, must give the fixed-up Vias.
    private static func check(_ lines: [UInt8], _ vias: [Via]) {
        let probe =
            Array("SIP/2.0 100 Trying\r\n".utf8) + lines
            + Array("From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n".utf8)
        let parsed = probe.withUnsafeBytes { try? OSIPCodec.parseMessage($0) }
        assert(parsed?.vias == vias, "edited Via lines differ: \(String(decoding: lines, as: UTF8.self)) \(vias)")
    }
    #endif
}
