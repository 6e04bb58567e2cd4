/// The decisions of a keyed count window operator, without the data: per key, every `size`
/// records in event-time order form a window.
///
/// Records wait until the watermark (max event time − out-of-orderness bound) reaches them, and
/// are then released in event-time order (ties keep arrival order), so reordering within the
/// bound never changes which records share a window. A record behind the watermark when it
/// arrives can no longer be placed in order: it is late (count windows have no allowed lateness).
/// Methods return actions; the operator keeps the records' values and the accumulators.
struct CountWindowState {
    let size: Int
    let boundMs: Int64
    private(set) var maxEventTime: Int64 = .min
    private var nextSequence: Int64 = 0

    /// A record waiting for the watermark.
    struct Pending {
        var time: Int64
        var sequence: Int64
        var key: Int32
        /// Where the operator keeps the record's values.
        var slot: Int32
    }
    private(set) var pending: [Pending] = []

    /// The window a key is filling.
    struct Open: Equatable {
        var cell: Int32
        var start: Int64
        var last: Int64
        var count: Int
    }
    private(set) var open: [Int32: Open] = [:]
    private var cells = CellPool()
    /// Cells ever handed out: every open window's cell is below it.
    var cellCount: Int32 { cells.count }

    /// A partly filled window whose key has had no record for this long (event time) is emitted
    /// as it is, so idle keys do not hold state forever. Nil: kept until filled or end of input.
    let ttlMs: Int64?
    /// (last record time + ttl, key), lazily invalidated: when idle windows expire.
    private var expiries = MinHeap<Expiry>()

    struct Expiry: Comparable {
        var time: Int64
        var key: Int32
        static func < (a: Expiry, b: Expiry) -> Bool { (a.time, a.key) < (b.time, b.key) }
    }

    init(size: Int, bound: Int64 = 0, ttl: Int64? = nil) {
        precondition(size > 0, "count window size must be positive")
        self.size = size
        boundMs = bound
        ttlMs = ttl
    }

    func watermark(afterMax max: Int64) -> Int64 { max == .min ? .min : max &- boundMs }

    /// Checkpoints, between batches: everything verbatim (the operator keeps key ids stable).
    func saveState(to w: inout StateWriter) {
        w.write(maxEventTime)
        w.write(nextSequence)
        w.write(pending.map(\.time))
        w.write(pending.map(\.sequence))
        w.write(pending.map(\.key))
        w.write(pending.map(\.slot))
        let windows = open.sorted { $0.key < $1.key }
        w.write(windows.count)
        for (key, o) in windows {
            w.write(key)
            w.write(o.cell)
            w.write(o.start)
            w.write(o.last)
            w.write(o.count)
        }
        cells.saveState(to: &w)
        w.write(expiries.items.map(\.time))
        w.write(expiries.items.map(\.key))
    }

    mutating func restoreState(from r: inout StateReader) throws(CheckpointError) {
        maxEventTime = try r.read()
        nextSequence = try r.read()
        let times: [Int64] = try r.readArray(), sequences: [Int64] = try r.readArray(), keys: [Int32] = try r.readArray(), slots: [Int32] = try r.readArray()
        guard Set([times.count, sequences.count, keys.count, slots.count]).count == 1 else { throw .corrupt("count window: pending records of unequal lengths") }
        pending = times.indices.map { Pending(time: times[$0], sequence: sequences[$0], key: keys[$0], slot: slots[$0]) }
        open = [:]
        for _ in 0..<(try r.readInt()) {
            let key: Int32 = try r.read()
            open[key] = Open(cell: try r.read(), start: try r.read(), last: try r.read(), count: try r.readInt())
        }
        try cells.restoreState(from: &r)
        let expiryTimes: [Int64] = try r.readArray(), expiryKeys: [Int32] = try r.readArray()
        guard expiryTimes.count == expiryKeys.count else { throw .corrupt("count window expiries of unequal lengths") }
        expiries = MinHeap(heapOrdered: zip(expiryTimes, expiryKeys).map { Expiry(time: $0.0, key: $0.1) })
    }
    var watermark: Int64 { watermark(afterMax: maxEventTime) }

    /// Whether a record at `time` can still be placed in order, given the watermark before it.
    func isLate(time: Int64, watermark w: Int64) -> Bool { w != .min && time < w }

    /// Queues an on-time record; `slot` says where its values are kept.
    mutating func enqueue(time: Int64, key: Int32, slot: Int32) {
        pending.append(Pending(time: time, sequence: nextSequence, key: key, slot: slot))
        nextSequence += 1
    }

    mutating func observe(time: Int64) {
        if time > maxEventTime { maxEventTime = time }
    }

    /// One released record: fold it into `cell`; if `closes`, the window is complete after it.
    struct Placement: Equatable {
        var slot: Int32
        var cell: Int32
        var time: Int64
    }

    /// A completed window to emit, then clear.
    struct Completed: Equatable {
        var cell: Int32
        var key: Int32
        var start: Int64
        var end: Int64
    }

    struct Release: Equatable {
        var placements: [Placement] = []
        var completed: [Completed] = []
    }

    /// Between micro-batches: releases the records the watermark reached, in event-time order.
    mutating func advance() -> Release { release(through: watermark, flushPartial: false) }

    /// End of input: releases everything and completes every partly filled window.
    mutating func finish() -> Release { release(through: .max, flushPartial: true) }

    /// Cells of emitted windows can be reused once the operator cleared them.
    mutating func recycle(_ cell: Int32) { cells.release(cell) }

    private mutating func release(through w: Int64, flushPartial: Bool) -> Release {
        var result = Release()
        guard w != .min else { return result }
        var ready: [Pending] = []
        var waiting: [Pending] = []
        for p in pending { if p.time <= w { ready.append(p) } else { waiting.append(p) } }
        pending = waiting
        ready.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
        for p in ready {
            if let ttl = ttlMs, let idle = open[p.key], idle.last &+ ttl <= p.time {
                // The key was idle for the ttl before this record: its window ended there.
                result.completed.append(Completed(cell: idle.cell, key: p.key, start: idle.start, end: idle.last))
                open[p.key] = nil
            }
            var window = open[p.key] ?? Open(cell: allocate(), start: p.time, last: p.time, count: 0)
            window.count += 1
            window.last = p.time
            result.placements.append(Placement(slot: p.slot, cell: window.cell, time: p.time))
            if window.count == size {
                result.completed.append(Completed(cell: window.cell, key: p.key, start: window.start, end: window.last))
                open[p.key] = nil
            } else {
                open[p.key] = window
                if let ttl = ttlMs { expiries.push(Expiry(time: p.time &+ ttl, key: p.key)) }
            }
        }
        if ttlMs != nil, !flushPartial {
            while let e = expiries.peek(), e.time <= w {
                _ = expiries.pop()
                guard let idle = open[e.key], idle.last &+ ttlMs! == e.time else { continue }
                result.completed.append(Completed(cell: idle.cell, key: e.key, start: idle.start, end: idle.last))
                open[e.key] = nil
            }
        }
        if flushPartial {
            for (key, window) in open.sorted(by: { ($0.value.start, $0.key) < ($1.value.start, $1.key) }) {
                result.completed.append(Completed(cell: window.cell, key: key, start: window.start, end: window.last))
            }
            open.removeAll()
        }
        return result
    }

    /// Keys with a partly filled window or a waiting record, each once.
    var liveKeys: [Int32] { Array(Set(open.keys).union(pending.map(\.key))) }

    /// Renames keys after the operator compacted its key space (`mapping[old] = new`).
    mutating func remapKeys(_ mapping: [Int32]) {
        var heap = MinHeap<Expiry>()
        while let e = expiries.pop() {
            if open[e.key] != nil { heap.push(Expiry(time: e.time, key: mapping[Int(e.key)])) }
        }
        expiries = heap
        var remapped: [Int32: Open] = [:]
        for (key, window) in open { remapped[mapping[Int(key)]] = window }
        open = remapped
        for i in pending.indices { pending[i].key = mapping[Int(pending[i].key)] }
    }

    private mutating func allocate() -> Int32 { cells.allocate() }
}
