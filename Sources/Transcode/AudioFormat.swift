/// The audio format of a WebSocket stream: an encoding plus a sample rate.
///
/// Written as a MIME type with a `rate` parameter in route configuration
/// (`audio/x-mulaw;rate=8000`, `audio/x-l16;rate=16000`) and as the split pair
/// `mediaFormat {encoding, sampleRate}` in the stream protocol's `start` event (spec §3.1,
/// where the encoding carries no `;rate=` suffix).
public struct AudioFormat: Sendable, Hashable, CustomStringConvertible {
    /// Sample encodings of the stream protocol (spec §6).
    public enum Encoding: String, Sendable, Hashable, CaseIterable {
        /// G.711 µ-law, one byte per sample, 8 kHz only.
        case mulaw = "audio/x-mulaw"
        /// Linear 16-bit signed PCM (RFC 2586), byte order set per route and direction.
        case l16 = "audio/x-l16"
    }

    /// The sample encoding.
    public var encoding: Encoding
    /// Samples per second.
    public var sampleRate: Int

    /// µ-law at 8 kHz: the format every telephony stream client understands.
    public static let mulaw8k = AudioFormat(encoding: .mulaw, sampleRate: 8000)

    /// Creates a format.
    /// - Parameters:
    ///   - encoding: the sample encoding.
    ///   - sampleRate: samples per second.
    public init(encoding: Encoding, sampleRate: Int) {
        self.encoding = encoding
        self.sampleRate = sampleRate
    }

    /// Bytes per sample on the wire.
    public var bytesPerSample: Int {
        switch encoding {
        case .mulaw: 1
        case .l16: 2
        }
    }

    /// Bytes in one 20 ms frame (spec §6: 160 for µ-law 8 kHz, 320/640/960 for L16).
    public var bytesPer20ms: Int { sampleRate / 50 * bytesPerSample }

    /// The MIME content type with its rate parameter, e.g. `audio/x-mulaw;rate=8000`.
    public var contentType: String { "\(encoding.rawValue);rate=\(sampleRate)" }

    public var description: String { contentType }

    private static let muLawRates = [8000]
    private static let l16Rates = [8000, 16000, 24000]

    /// The sample rates the stream protocol defines for each encoding (spec §1, `contentType`).
    public static func supportedRates(for encoding: Encoding) -> [Int] {
        switch encoding {
        case .mulaw: muLawRates
        case .l16: l16Rates
        }
    }

    /// Whether the stream protocol defines `rate` for `encoding` (read from stored arrays:
    /// checked for every `playAudio`).
    public static func supports(_ rate: Int, for encoding: Encoding) -> Bool {
        supportedRates(for: encoding).contains(rate)
    }

    /// Parses a content type such as `audio/x-l16;rate=16000`.
    ///
    /// The `rate` parameter may be omitted when `defaultRate` is given (the `playAudio` event
    /// sends the rate in a separate field, spec §4.1). Whitespace around `;` and `=` is allowed
    /// and names compare case-insensitively (RFC 2045 §5.1).
    /// - Parameters:
    ///   - contentType: the MIME type with optional parameters.
    ///   - defaultRate: the rate to assume when no `rate` parameter is present.
    /// - Returns: the format, or `nil` when the encoding or rate is not one the protocol defines.
    public init?(contentType: some StringProtocol, defaultRate: Int? = nil) {
        if let contentType = contentType as? String {
            self.init(contentType: contentType, defaultRate: defaultRate)
        } else {
            self.init(parsing: contentType, defaultRate: defaultRate)
        }
    }

    /// Parses a content type such as `audio/x-l16;rate=16000` (see the generic form).
    ///
    /// A bare encoding as written (every `playAudio` carries one, 50 times a second per call)
    /// is compared whole, without splitting and lower-casing copies: a concrete `String` compares
    /// its bytes at once, where the generic form (not specialized across modules) walked them
    /// one index at a time through witness tables.
    public init?(contentType: String, defaultRate: Int? = nil) {
        for encoding in Encoding.allCases where contentType == encoding.rawValue {
            guard let rate = defaultRate, AudioFormat.supports(rate, for: encoding) else { return nil }
            self.init(encoding: encoding, sampleRate: rate)
            return
        }
        self.init(parsing: contentType, defaultRate: defaultRate)
    }

    private init?(parsing contentType: some StringProtocol, defaultRate: Int?) {
        let parts = contentType.split(separator: ";", omittingEmptySubsequences: false)
        guard let first = parts.first,
            let encoding = Encoding(rawValue: first.trimmingSpaces().lowercased())
        else { return nil }
        var rate = defaultRate
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            guard pair[0].trimmingSpaces().lowercased() == "rate" else { continue }
            guard let value = Int(pair[1].trimmingSpaces()) else { return nil }
            rate = value
        }
        guard let rate, AudioFormat.supports(rate, for: encoding) else { return nil }
        self.init(encoding: encoding, sampleRate: rate)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs (no Foundation needed).
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let c = slice.first, c == " " || c == "\t" { slice.removeFirst() }
        while let c = slice.last, c == " " || c == "\t" { slice.removeLast() }
        return String(slice)
    }
}
