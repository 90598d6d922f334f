/// An error of the transcoding layer (STYLE.md rule 12).
///
/// An open-enum struct: compare against the static constructors, so that new cases can be added
/// without breaking exhaustive switches in other modules.
public struct TranscodeError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case unsupportedSampleRates(from: Int, to: Int)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// There is no ``Resampler`` for this pair of rates. Supported are the six conversions
    /// between 8000, 16000 and 24000 Hz (the L16 rates of the stream protocol, spec §1);
    /// equal rates need no resampler.
    /// - Parameters:
    ///   - inputRate: the requested input rate in Hz.
    ///   - outputRate: the requested output rate in Hz.
    public static func unsupportedSampleRates(from inputRate: Int, to outputRate: Int) -> TranscodeError {
        .init(.unsupportedSampleRates(from: inputRate, to: outputRate))
    }

    /// A one-line explanation for logs.
    public var description: String {
        switch code {
        case .unsupportedSampleRates(let from, let to) where from == to:
            "no resampling needed from \(from) Hz to \(to) Hz (equal rates)"
        case .unsupportedSampleRates(let from, let to):
            "unsupported sample-rate conversion from \(from) Hz to \(to) Hz"
                + " (supported: 8000, 16000 and 24000 Hz in either direction)"
        }
    }
}
