/// Direct transcoding between the two ITU-T G.711 laws (`PCMA` ⇄ `PCMU`, RFC 3551 §4.5.14)
/// without an intermediate linear buffer.
///
/// Each direction is a 256-entry table defined as "decode with one law, re-encode with the
/// other" through the 16-bit linear domain (``ALaw``, ``MuLaw``). The tables are computed once,
/// on first use, from those definitions, so they agree with the scalar codecs by construction.
/// The mapping re-quantises the decoded value, exactly as CPython's
/// `audioop.lin2ulaw(audioop.alaw2lin(...))` does; it is not transcribed from G.711's own
/// A-law/µ-law conversion tables.
public enum G711 {
    /// Transcodes one A-law code to a µ-law code (ITU-T G.711), by table lookup.
    ///
    /// Defined as `MuLaw.encode(ALaw.decode(code))`.
    /// - Parameter code: an A-law code as transmitted.
    /// - Returns: the µ-law code for the same reconstructed linear value.
    @inlinable
    public static func aLawToMuLaw(_ code: UInt8) -> UInt8 {
        aLawToMuLawTable[Int(code)]
    }

    /// Transcodes one µ-law code to an A-law code (ITU-T G.711), by table lookup.
    ///
    /// Defined as `ALaw.encode(MuLaw.decode(code))`.
    /// - Parameter code: a µ-law code as transmitted.
    /// - Returns: the A-law code for the same reconstructed linear value.
    @inlinable
    public static func muLawToALaw(_ code: UInt8) -> UInt8 {
        muLawToALawTable[Int(code)]
    }

    /// Transcodes a buffer of A-law codes to µ-law codes in place (ITU-T G.711), table driven
    /// and allocation-free.
    /// - Parameter buffer: bytes of A-law payload (e.g. an RTP `PCMA` payload); on return they
    ///   hold the corresponding µ-law codes.
    public static func aLawToMuLaw(_ buffer: UnsafeMutableRawBufferPointer) {
        transcode(buffer, with: aLawToMuLawTable)
    }

    /// Transcodes a buffer of µ-law codes to A-law codes in place (ITU-T G.711), table driven
    /// and allocation-free.
    /// - Parameter buffer: bytes of µ-law payload (e.g. an RTP `PCMU` payload); on return they
    ///   hold the corresponding A-law codes.
    public static func muLawToALaw(_ buffer: UnsafeMutableRawBufferPointer) {
        transcode(buffer, with: muLawToALawTable)
    }

    /// `MuLaw.encode(ALaw.decode(code))` for every A-law code, indexed by code.
    @usableFromInline static let aLawToMuLawTable: [UInt8] = (0...255).map {
        MuLaw.encode(ALaw.decode(UInt8($0)))
    }

    /// `ALaw.encode(MuLaw.decode(code))` for every µ-law code, indexed by code.
    @usableFromInline static let muLawToALawTable: [UInt8] = (0...255).map {
        ALaw.encode(MuLaw.decode(UInt8($0)))
    }

    /// Replaces every byte of `buffer` by its entry in the 256-entry `table`.
    private static func transcode(_ buffer: UnsafeMutableRawBufferPointer, with table: [UInt8]) {
        table.withUnsafeBufferPointer { table in
            for index in 0..<buffer.count {
                buffer[index] = table[Int(buffer[index])]
            }
        }
    }
}
