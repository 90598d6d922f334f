import NIOCore

/// The SIP core's timer deadlines (RFC 3261 §17's A–K and the rest), in one binary min-heap
/// ordered by deadline, then by start order: one event-loop task waits for the earliest
/// instead of one task per timer.
///
/// A task per timer costs a promise, a future and a closure each, and cancelling one searches
/// the loop's whole task heap — with a Timer H or J of 32 s for every transaction, thousands of
/// entries at a few hundred calls a second. Here cancelling is the owner's business: it forgets
/// the timer's `sequence`, and the entry, left in the heap, is skipped when it comes due
/// (`compact` drops such entries early when they pile up).
struct TimerQueue<Payload> {
    /// One started timer.
    struct Entry {
        /// When it fires.
        var deadline: NIODeadline
        /// Start order: ties on `deadline` fire in the order they were started.
        var sequence: UInt64
        /// What fires.
        var payload: Payload
    }

    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0
    private var countAfterCompaction = 0

    /// Entries held, due or not, current or forgotten.
    var count: Int { heap.count }

    /// The earliest deadline held.
    var earliest: NIODeadline? { heap.isEmpty ? nil : heap[0].deadline }

    /// Adds a timer; returns its sequence number, which identifies this start of it.
    mutating func push(_ payload: Payload, at deadline: NIODeadline) -> UInt64 {
        nextSequence += 1
        heap.append(Entry(deadline: deadline, sequence: nextSequence, payload: payload))
        siftUp(heap.count - 1)
        return nextSequence
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    mutating func popDue(at now: NIODeadline) -> Entry? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return first
    }

    /// Whether the heap has doubled (plus 1024) since it was last compacted: compacting then
    /// keeps it within about twice the running timers, at a constant cost per timer started.
    var needsCompaction: Bool { heap.count > 2 * countAfterCompaction + 1024 }

    /// Keeps only the entries `isCurrent` accepts (forgotten timers go before their deadline).
    mutating func compact(keeping isCurrent: (Entry) -> Bool) {
        heap.removeAll { !isCurrent($0) }
        countAfterCompaction = heap.count
        // Floyd's heap construction: sift down every inner node, last first.
        var index = heap.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    /// Whether the entry at `a` fires before the one at `b`. Reads the two fields in place: a
    /// method called on `heap[a]` copied both whole entries, payloads retained and released, at
    /// every step of a sift (firing an INVITE's timers cost about 1 000 more instructions so).
    private func precedes(_ a: Int, _ b: Int) -> Bool {
        let (first, second) = (heap[a].deadline, heap[b].deadline)
        return first != second ? first < second : heap[a].sequence < heap[b].sequence
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            let child = right < heap.count && precedes(right, left) ? right : left
            guard precedes(child, parent) else { return }
            heap.swapAt(child, parent)
            parent = child
        }
    }
}
