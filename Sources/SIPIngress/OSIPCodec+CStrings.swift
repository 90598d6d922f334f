import COSIP2

/// Reading osip's C strings and lists: in place, or copied into Swift values.
extension OSIPCodec {
    /// A Swift string from a C string owned by osip (copied; osip keeps ownership).
    static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
    }

    /// A C string owned by osip as raw bytes, read in place.
    static func rawBytes(_ pointer: UnsafeMutablePointer<CChar>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
    }

    /// The bytes of a C string owned by osip, read in place.
    static func bytes(_ pointer: UnsafeMutablePointer<CChar>) -> HeaderFieldScan.Bytes {
        UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))[...]
    }

    /// Runs an osip `*_to_str` function and frees its result.
    static func toString<T>(
        _ value: UnsafeMutablePointer<T>,
        _ render: (UnsafePointer<T>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    ) -> String? {
        var out: UnsafeMutablePointer<CChar>?
        guard render(value, &out) == 0, let out else { return nil }
        defer { cosip_free(out) }
        return string(out)
    }

    /// Calls `body` with each element of an osip list, walking its nodes once (indexing an osip
    /// list walks it from the head every time).
    static func forEach<T>(_ list: inout osip_list_t, as type: T.Type, _ body: (UnsafeMutablePointer<T>) -> Void) {
        var node = list.node
        var remaining = list.nb_elt
        while remaining > 0, let current = node {
            if let element = current.pointee.element { body(element.assumingMemoryBound(to: T.self)) }
            node = current.pointee.next
            remaining -= 1
        }
    }

    /// The elements of an osip list, typed.
    static func list<T>(_ list: inout osip_list_t, as type: T.Type) -> [UnsafeMutablePointer<T>] {
        let count = Int(cosip_list_size(&list))
        return (0..<count).compactMap { index in
            cosip_list_get(&list, Int32(index))?.assumingMemoryBound(to: T.self)
        }
    }
}
