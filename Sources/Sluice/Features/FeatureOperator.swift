/// A keyed operator: it keeps state per key, so in a parallel run it must see all rows of a key.
/// The runtime routes rows by a key contained in every keyed operator's key (see ``PhysicalPlan/Stage``).
protocol KeyedBatchOperator: BatchOperator {
    /// Slots (in the stage layout) of the key fields.
    var keySlots: [Int] { get }
}

extension DedupeFilter: KeyedBatchOperator {
    var keySlots: [Int] { slots }
}

/// The `features` step: runs each feature kernel over the selected rows in input order.
///
/// Keys map to dense ids in the operator's own key space (decoder ids translated, as windows
/// do). With a `ttl`, a key whose consecutive records are more than `ttl` apart starts over;
/// keys idle for twice the ttl (against the largest event time seen) are evicted and the key space
/// compacted to the live keys, so state follows the keys alive, not every key ever seen.
final class FeatureOperator: KeyedBatchOperator {
    let spec: FeatureSpec
    let keys: WindowKeys?
    let timeSlot: Int?
    let kernels: [any FeatureKernel]
    var lastSeen = KeyedValues<Int64>(fill: .min)
    var maxTime = Int64.min
    var capacity = 0
    var expiries = MinHeap<Expiry>()
    private(set) var evictions = 0
    private(set) var compactions = 0
    var compactionThreshold = 1 << 16
    private var nextCompactionCheck = 0
    private let missingKeyReason: Int?
    private let missingTimeReason: Int?

    struct Expiry: Comparable {
        var time: Int64
        var key: Int32
        static func < (a: Expiry, b: Expiry) -> Bool { (a.time, a.key) < (b.time, b.key) }
    }

    var keySlots: [Int] { keys?.slots ?? [] }

    init(spec: FeatureSpec, keys: WindowKeys?, timeSlot: Int?, kernels: [any FeatureKernel], deadLetters: DeadLetters) {
        self.spec = spec
        self.keys = keys
        self.timeSlot = timeSlot
        self.kernels = kernels
        let rule = "features by \(spec.by.joined(separator: ", "))"
        missingKeyReason = keys == nil ? nil : deadLetters.register(RejectionReason(.missingKey, rule: rule, field: spec.by.joined(separator: ",")))
        missingTimeReason = timeSlot == nil ? nil : deadLetters.register(RejectionReason(.missingTime, rule: rule, field: spec.time))
    }

    var stateBytes: Int { kernels.reduce(lastSeen.bytes + (keys?.byteSize ?? 0)) { $0 + $1.stateBytes } }

    var explanation: String {
        let keyed = spec.by.isEmpty ? "" : " by \(spec.by.joined(separator: ", "))"
        let ttl = spec.ttl.map { ", ttl \($0)" } ?? ""
        return "features\(keyed)\(ttl): " + kernels.map(\.explanation).joined(separator: "; ")
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        let prepared = keys?.prepare(batch)
        let timeColumn = timeSlot.map { batch.columns[$0] }
        let ttl = spec.ttl?.milliseconds
        let sel = batch.selection
        var kept = 0
        for j in 0..<batch.selectedCount {
            let r = Int(sel[j])
            var t: Int64 = 0
            if let timeColumn {
                guard timeColumn.validity[r] != 0 else {
                    try deadLetters.reject(batch, row: r, reason: missingTimeReason!, value: "null")
                    continue
                }
                t = timeColumn.type == .float64 ? Int64(timeColumn.float64[r].rounded(.down)) : timeColumn.int64[r]
                if t > maxTime { maxTime = t }
            }
            var key: Int32 = -1
            if let keys {
                guard let id = keys.id(batch, r, prepared!) else {
                    try deadLetters.reject(batch, row: r, reason: missingKeyReason!, value: "null")
                    continue
                }
                key = id
                if Int(id) >= capacity { grow(keys.idCount) }
                if let ttl {
                    let previous = lastSeen[key, 0]
                    if previous != .min, t &- previous > ttl {
                        for k in kernels { k.reset(key: key) }
                        evictions += 1
                    }
                    if previous == .min || t > previous {
                        lastSeen[key, 0] = t
                        expiries.push(Expiry(time: t &+ 2 &* ttl, key: key))
                    }
                }
            }
            for k in kernels { k.process(batch, row: r, key: key, time: t) }
            sel[kept] = Int32(truncatingIfNeeded: r)
            kept += 1
        }
        batch.selectedCount = kept
        if ttl != nil { evictIdleKeys() }
    }

    private func grow(_ count: Int) {
        var n = Swift.max(16, capacity)
        while n < count { n *= 2 }
        capacity = n
        lastSeen.ensure(n)
        for k in kernels { k.ensure(keys: n) }
    }

    /// Frees the state of keys idle for twice the ttl, then compacts the key space when at most
    /// half of its ids are live.
    private func evictIdleKeys() {
        guard let keys else { return }
        while let e = expiries.peek(), e.time < maxTime {
            _ = expiries.pop()
            let seen = lastSeen[e.key, 0]
            guard seen != .min, seen &+ 2 &* spec.ttl!.milliseconds == e.time else { continue }
            for k in kernels { k.reset(key: e.key) }
            lastSeen[e.key, 0] = .min
            evictions += 1
        }
        let ids = keys.idCount
        guard ids >= Swift.max(compactionThreshold, nextCompactionCheck) else { return }
        var live: [Int32] = []
        for id in 0..<ids where lastSeen[Int32(id), 0] != .min { live.append(Int32(id)) }
        if ids >= 2 * live.count {
            let mapping = keys.compact(keeping: live)
            lastSeen.remap(mapping, keys: live.count)
            for k in kernels { k.remap(mapping, keys: Swift.max(16, live.count)) }
            capacity = Swift.max(16, live.count)
            var heap = MinHeap<Expiry>()
            for newID in live.indices { heap.push(Expiry(time: lastSeen[Int32(newID), 0] &+ 2 &* spec.ttl!.milliseconds, key: Int32(newID))) }
            expiries = heap
            compactions += 1
        }
        nextCompactionCheck = Swift.max(compactionThreshold, 2 * keys.idCount)
    }
}

extension FeatureOperator: CheckpointableOperator {
    /// Keys in id order, then per-key state by id: restoring interns the keys in the same order
    /// into a fresh key space, so every id (and every kernel's per-key array) stays as it was.
    func saveState(to w: inout StateWriter) {
        if let keys { keys.saveKeySpace(to: &w) } else { w.write(0) }
        w.write(capacity)
        w.write(maxTime)
        lastSeen.save(to: &w)
        w.write(expiries.items.map(\.time))
        w.write(expiries.items.map(\.key))
        for k in kernels { k.saveState(to: &w) }
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        if let keys {
            keys.resetForRestore()
            try keys.restoreKeySpace(from: &r)
        } else if try r.readInt() != 0 {
            throw .mismatch("the checkpoint holds keyed feature state; these features are not keyed")
        }
        capacity = try r.readInt()
        maxTime = try r.read()
        try lastSeen.restore(from: &r)
        let times: [Int64] = try r.readArray(), heapKeys: [Int32] = try r.readArray()
        guard times.count == heapKeys.count else { throw .corrupt("feature expiries: \(times.count) times, \(heapKeys.count) keys") }
        expiries = MinHeap(heapOrdered: zip(times, heapKeys).map { Expiry(time: $0.0, key: $0.1) })
        for k in kernels { try k.restoreState(from: &r) }
    }
}
