public import NIOCore

/// Parses one AI server → bridge frame into an `InboundEvent` (spec §4).
///
/// Text and binary frames are treated alike (spec §2: tolerate binary frames holding JSON).
/// The JSON (RFC 8259) is scanned directly from the frame's bytes, and the `playAudio` payload
/// is base64-decoded (RFC 4648 §4) straight into the event's buffer.
///
/// Leniency, per spec §4.1 and [BRIDGE] notes: keys in any order; unknown keys of any type are
/// validated and skipped; a duplicate key's last value wins (for `media`, the whole last object);
/// `null` counts as absent; `streamId` is optional everywhere; `media.sampleRate` may be a JSON
/// integer or a string of digits. Strictness: the frame must be one well-formed JSON object in
/// UTF-8 with nothing but whitespace after it, and fields the event needs must have the right
/// type. Fields the event does not use are never interpreted, so a stray `"name": 5` on
/// `clearAudio` is harmless.
public enum InboundEventParser {
    /// The deepest nesting of objects and arrays accepted; the top-level object is depth 1.
    /// Real events nest 2 deep; the limit keeps hostile input from exhausting the stack.
    public static let maximumNestingDepth = 32

    /// Parses the readable bytes of a frame; the reader index is not moved.
    /// - Parameters:
    ///   - frame: one WebSocket message's payload.
    ///   - allocator: allocates the decoded `playAudio` payload.
    /// - Returns: the event.
    /// - Throws: `StreamProtocolError`; offsets count from the frame's reader index.
    public static func parse(
        _ frame: ByteBuffer,
        dialect: StreamDialect = .vobiz,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(StreamProtocolError) -> InboundEvent {
        var recycling = Recycling()
        return try parse(frame, dialect: dialect, allocator: allocator, recycling: &recycling)
    }

    /// What one stream's frames pass on to the next, so that a `playAudio` every 20 ms costs no
    /// allocation of its own: the last payload's storage, decoded into again once nothing else
    /// holds it (the call has queued the audio) if it is large enough, and the last `streamId`,
    /// returned again while the frames repeat it.
    public struct Recycling: Sendable {
        var payload = SpentBuffer()
        var streamId: String?

        /// Nothing to recycle yet.
        public init() {}
    }

    /// Parses the readable bytes of a frame, recycling storage from the stream's previous
    /// frame (`Recycling`).
    public static func parse(
        _ frame: ByteBuffer,
        dialect: StreamDialect,
        allocator: ByteBufferAllocator,
        recycling: inout Recycling
    ) throws(StreamProtocolError) -> InboundEvent {
        try frame.withUnsafeReadableBytes { (bytes) throws(StreamProtocolError) in
            try parse(bytes, dialect: dialect, allocator: allocator, recycling: &recycling)
        }
    }

    /// Parses a frame from raw bytes; see `parse(_:allocator:)`.
    /// - Parameters:
    ///   - bytes: one WebSocket message's payload.
    ///   - dialect: the route's dialect; Twilio's verbs are `media`, `mark` and `clear` (spec §7).
    ///   - allocator: allocates the decoded `playAudio` payload.
    /// - Returns: the event.
    /// - Throws: `StreamProtocolError`; offsets count from the start of `bytes`.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        dialect: StreamDialect = .vobiz,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(StreamProtocolError) -> InboundEvent {
        var recycling = Recycling()
        return try parse(bytes, dialect: dialect, allocator: allocator, recycling: &recycling)
    }

    private static func parse(
        _ bytes: UnsafeRawBufferPointer,
        dialect: StreamDialect,
        allocator: ByteBufferAllocator,
        recycling: inout Recycling
    ) throws(StreamProtocolError) -> InboundEvent {
        var scanner = JSONScanner(bytes, maximumDepth: maximumNestingDepth)
        guard scanner.peek() == UInt8(ascii: "{") else {
            // Distinguish "valid JSON, wrong shape" from garbage.
            _ = try scanner.scanValue(depth: 1)
            try scanner.expectEnd()
            throw .notAnObject
        }
        var fields = Fields()
        try scanner.forEachMember(depth: 1) { (key, scanner) throws(StreamProtocolError) in
            try fields.scanMember(key, &scanner)
        }
        try scanner.expectEnd()
        if dialect == .twilio { return try fields.twilioEvent(from: scanner, allocator: allocator, recycling: &recycling) }
        return try fields.event(from: scanner, allocator: allocator, recycling: &recycling)
    }
}

/// The members the parser knows, as positions in the frame (materialized only once the event
/// type is known).
private struct Fields {
    var event: JSONToken?
    var streamId: JSONToken?
    var name: JSONToken?
    var media: JSONToken?
    var contentType: JSONToken?
    var sampleRate: JSONToken?
    var payload: JSONToken?
    var dtmf: JSONToken?

    /// Records (or skips) the value of the top-level member `key`.
    mutating func scanMember(_ key: JSONString, _ scanner: inout JSONScanner) throws(StreamProtocolError) {
        if scanner.matches(key, "event") {
            event = try scanner.scanValue(depth: 2)
        } else if scanner.matches(key, "streamId") || scanner.matches(key, "streamSid") {
            streamId = try scanner.scanValue(depth: 2)
        } else if scanner.matches(key, "mark") {
            // Twilio: `"mark": {"name": …}`.
            guard scanner.peek() == UInt8(ascii: "{") else {
                name = try scanner.scanValue(depth: 2)
                return
            }
            try scanner.forEachMember(depth: 2) { (key, scanner) throws(StreamProtocolError) in
                if scanner.matches(key, "name") {
                    name = try scanner.scanValue(depth: 3)
                } else {
                    _ = try scanner.scanValue(depth: 3)
                }
            }
        } else if scanner.matches(key, "name") {
            name = try scanner.scanValue(depth: 2)
        } else if scanner.matches(key, "media") {
            // Last `media` wins as a whole: forget members of an earlier one.
            (contentType, sampleRate, payload) = (nil, nil, nil)
            guard scanner.peek() == UInt8(ascii: "{") else {
                media = try scanner.scanValue(depth: 2)
                return
            }
            media = .other(offset: scanner.index)
            try scanner.forEachMember(depth: 2) { (key, scanner) throws(StreamProtocolError) in
                if scanner.matches(key, "contentType") {
                    contentType = try scanner.scanValue(depth: 3)
                } else if scanner.matches(key, "sampleRate") {
                    sampleRate = try scanner.scanValue(depth: 3)
                } else if scanner.matches(key, "payload") {
                    payload = try scanner.scanValue(depth: 3)
                } else {
                    _ = try scanner.scanValue(depth: 3)
                }
            }
        } else if scanner.matches(key, "dtmf") || scanner.matches(key, "digits") {
            guard scanner.peek() == UInt8(ascii: "{") else {
                dtmf = try scanner.scanValue(depth: 2)
                return
            }
            dtmf = nil
            try scanner.forEachMember(depth: 2) { (key, scanner) throws(StreamProtocolError) in
                if scanner.matches(key, "digit") || scanner.matches(key, "digits") {
                    dtmf = try scanner.scanValue(depth: 3)
                } else {
                    _ = try scanner.scanValue(depth: 3)
                }
            }
        } else {
            _ = try scanner.scanValue(depth: 2)
        }
    }

    /// The `event` member's value: required, a string.
    private func eventName(_ scanner: JSONScanner) throws(StreamProtocolError) -> String {
        switch event {
        case .none, .null?: throw .missingEvent
        case .string(let string)?: scanner.decodeString(string)
        case let token?: throw .invalidField("event", at: token.offset)
        }
    }

    /// Builds the event named by `event` from the recorded members (spec §4.1–§4.5).
    func event(
        from scanner: JSONScanner, allocator: ByteBufferAllocator, recycling: inout InboundEventParser.Recycling
    ) throws(StreamProtocolError) -> InboundEvent {
        let name = try eventName(scanner)
        switch name {
        case "playAudio":
            return .playAudio(try playAudio(from: scanner, allocator: allocator, recycling: &recycling))
        case "checkpoint":
            guard let checkpointName = try string(self.name, "name", scanner) else { throw .missingField("name") }
            return .checkpoint(name: checkpointName, streamId: try string(streamId, "streamId", scanner))
        case "clearAudio":
            return .clearAudio(streamId: try string(streamId, "streamId", scanner))
        case "stop":
            return .stop(streamId: try string(streamId, "streamId", scanner))
        case "sendDTMF":
            guard let text = try string(dtmf, "dtmf", scanner) else { throw .missingField("dtmf") }
            let digits = text.uppercased()
            guard (1...64).contains(digits.count), digits.allSatisfy({ "0123456789*#ABCD".contains($0) }) else {
                throw .invalidField("dtmf", at: dtmf?.offset ?? 0)
            }
            return .sendDTMF(digits: digits, streamId: try string(streamId, "streamId", scanner))
        default:
            return .other(event: name)
        }
    }

    /// Builds a Twilio Media Streams event (spec §7): `media` is µ-law 8 kHz audio to play,
    /// `mark` a checkpoint, `clear` a flush; anything else is `.other`.
    func twilioEvent(
        from scanner: JSONScanner, allocator: ByteBufferAllocator, recycling: inout InboundEventParser.Recycling
    ) throws(StreamProtocolError) -> InboundEvent {
        let name = try eventName(scanner)
        switch name {
        case "media":
            var play = try playAudio(from: scanner, allocator: allocator, recycling: &recycling)
            (play.contentType, play.sampleRate) = ("audio/x-mulaw", 8000)
            return .playAudio(play)
        case "mark":
            guard let markName = try string(self.name, "mark.name", scanner) else { throw .missingField("mark.name") }
            return .checkpoint(name: markName, streamId: try string(streamId, "streamSid", scanner))
        case "clear":
            return .clearAudio(streamId: try string(streamId, "streamSid", scanner))
        default:
            return .other(event: name)
        }
    }

    private func playAudio(
        from scanner: JSONScanner, allocator: ByteBufferAllocator, recycling: inout InboundEventParser.Recycling
    ) throws(StreamProtocolError) -> PlayAudio {
        switch media {
        case .none, .null?: throw .missingField("media")
        case .other(let offset)? where scanner.byte(at: offset) == UInt8(ascii: "{"): break
        case let token?: throw .invalidField("media", at: token.offset)
        }
        let payloadString: JSONString
        switch payload {
        case .none, .null?: throw .missingField("media.payload")
        case .string(let string)?: payloadString = string
        case let token?: throw .invalidField("media.payload", at: token.offset)
        }
        return PlayAudio(
            streamId: try string(streamId, "streamId", scanner, recycling: &recycling.streamId),
            contentType: try string(contentType, "media.contentType", scanner),
            sampleRate: try sampleRateValue(scanner),
            payload: try Self.decodeBase64(payloadString, scanner, allocator, reusing: &recycling.payload)
        )
    }

    /// An optional string member: absent or `null` → `nil`, any other non-string → error.
    private func string(_ token: JSONToken?, _ path: String, _ scanner: JSONScanner) throws(StreamProtocolError) -> String? {
        switch token {
        case .none, .null?: nil
        case .string(let string)?: scanner.decodeString(string)
        case let token?: throw .invalidField(path, at: token.offset)
        }
    }

    /// The same, returning `last` instead of a new `String` when the member spells it (a
    /// stream's `streamId` is the same in every frame), and remembering a new value.
    private func string(
        _ token: JSONToken?, _ path: String, _ scanner: JSONScanner, recycling last: inout String?
    ) throws(StreamProtocolError) -> String? {
        if case .string(let string)? = token, !string.hasEscapes, let previous = last,
            scanner.rawBytes(of: string, spell: previous)
        {
            return previous
        }
        let value = try self.string(token, path, scanner)
        if value != nil { last = value }
        return value
    }

    /// `media.sampleRate` as a JSON integer or a string of 1…9 digits (spec §4.1 rule 2).
    /// Fractions, exponents, signs and empty strings are refused rather than guessed at.
    private func sampleRateValue(_ scanner: JSONScanner) throws(StreamProtocolError) -> Int? {
        let digits: UnsafeRawBufferPointer
        switch sampleRate {
        case .none, .null?: return nil
        case .number(let range)?: digits = UnsafeRawBufferPointer(rebasing: scanner.bytes[range])
        case .string(let string)? where !string.hasEscapes: digits = scanner.rawBytes(of: string)
        case .string(let string)?:
            // Escaped digits (`"\u0038000"`) are legal JSON; decode the short string first.
            let text = scanner.decodeString(string)
            guard let value = Self.integer(text.utf8) else {
                throw .invalidField("media.sampleRate", at: string.offset)
            }
            return value
        case let token?: throw .invalidField("media.sampleRate", at: token.offset)
        }
        guard let value = Self.integer(digits) else {
            throw .invalidField("media.sampleRate", at: sampleRate?.offset ?? 0)
        }
        return value
    }

    /// The value of 1…9 ASCII digits, else `nil` (9 digits cannot overflow `Int`).
    private static func integer(_ digits: some Collection<UInt8>) -> Int? {
        guard (1...9).contains(digits.count) else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    /// Decodes the base64 payload into a new buffer or `spent`'s storage (RFC 4648 §4).
    ///
    /// Without escapes the raw bytes are decoded directly. With escapes (some encoders write
    /// `/` as `\/`) the string is first unescaped into the output buffer's free space and then
    /// decoded in place: decoding never writes ahead of where it reads, and no scratch buffer
    /// is needed.
    private static func decodeBase64(
        _ string: JSONString,
        _ scanner: JSONScanner,
        _ allocator: ByteBufferAllocator,
        reusing spent: inout SpentBuffer
    ) throws(StreamProtocolError) -> ByteBuffer {
        let capacity = string.hasEscapes ? string.rawCount : Base64.maximumDecodedLength(string.rawCount)
        var buffer = spent.take(minimumCapacity: capacity) ?? allocator.buffer(capacity: capacity)
        do throws(Base64DecodingError) {
            if string.hasEscapes {
                try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: string.rawCount) {
                    (space: UnsafeMutableRawBufferPointer) throws(Base64DecodingError) -> Int in
                    let count = scanner.unescape(string, into: space)
                    return try Base64.decode(UnsafeRawBufferPointer(rebasing: space[..<count]), to: space)
                }
            } else {
                try Base64.decode(scanner.rawBytes(of: string), into: &buffer)
            }
        } catch {
            throw .invalidBase64("media.payload", at: string.offset)
        }
        spent.keep(buffer)
        return buffer
    }
}
