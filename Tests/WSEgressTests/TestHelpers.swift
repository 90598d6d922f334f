import Foundation
import NIOCore
import TestSupport

extension ByteBuffer {
    /// The readable bytes as an array.
    var bytes: [UInt8] { Array(readableBytesView) }
    /// The readable bytes as UTF-8 text.
    var text: String { String(buffer: self) }
}

/// A buffer holding `text` as UTF-8.
func buffer(_ text: String) -> ByteBuffer {
    ByteBuffer(string: text)
}

/// A buffer holding `bytes`.
func buffer(_ bytes: [UInt8]) -> ByteBuffer {
    ByteBuffer(bytes: bytes)
}

/// Parses JSON text with Foundation, as an independent check of what we write.
func foundationObject(_ buffer: ByteBuffer) throws -> [String: Any]? {
    try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]
}

/// Whether a Foundation-parsed value is a JSON integer (not a string, bool or fraction).
func isJSONInteger(_ value: Any?, equalTo expected: Int) -> Bool {
    guard let value, !(value is String), let number = value as? NSNumber else { return false }
    return number.intValue == expected && number.doubleValue == Double(expected)
}
