/// Values by RTP payload type for one media description: its `a=rtpmap` and `a=fmtp`
/// attributes (RFC 4566 §6), at most one per payload type, a later line replacing an earlier
/// one. An offer lists a handful of payload types, so the entries sit in a small array sorted
/// by payload type: a hash table allocated and hashed into for four entries cost about 1.5 %
/// of an INVITE's handling.
public struct PayloadTypeMap<Value: Hashable & Sendable>: Hashable, Sendable, ExpressibleByDictionaryLiteral {
    /// One payload type's value.
    struct Entry: Hashable, Sendable {
        var payloadType: Int
        var value: Value
    }

    private var entries: [Entry] = []

    /// An empty map.
    public init() {}

    public init(dictionaryLiteral elements: (Int, Value)...) {
        for (payloadType, value) in elements { self[payloadType] = value }
    }

    /// The value for `payloadType`; setting nil removes it.
    public subscript(payloadType: Int) -> Value? {
        get {
            for entry in entries where entry.payloadType == payloadType { return entry.value }
            return nil
        }
        set {
            // Offers list their attributes in payload type order, mostly: the end is the place.
            if let value = newValue, entries.last.map({ $0.payloadType < payloadType }) ?? true {
                return entries.append(Entry(payloadType: payloadType, value: value))
            }
            let index = entries.firstIndex { $0.payloadType >= payloadType } ?? entries.endIndex
            let present = index < entries.endIndex && entries[index].payloadType == payloadType
            switch (newValue, present) {
            case (let value?, true): entries[index].value = value
            case (let value?, false): entries.insert(Entry(payloadType: payloadType, value: value), at: index)
            case (nil, true): entries.remove(at: index)
            case (nil, false): break
            }
        }
    }

    /// The payload types that have a value, in ascending order.
    public var keys: [Int] { entries.map(\.payloadType) }

    public var count: Int { entries.count }

    public var isEmpty: Bool { entries.isEmpty }

    /// Makes room for `count` entries.
    public mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }
}
