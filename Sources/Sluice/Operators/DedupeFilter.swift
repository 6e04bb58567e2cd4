/// Rejects a row (`duplicate`) whose key fields equal those of one of the
/// last `capacity` distinct keys seen.
///
/// Keys are remembered as 64-bit hashes of their values in a FIFO ring plus an
/// open-addressing set, so memory is fixed (about 24 bytes × capacity). Two
/// different keys share a hash with probability about n²/2⁶⁵ (≈3·10⁻⁸ for a
/// million keys); such a record would be wrongly treated as a duplicate.
final class DedupeFilter: BatchOperator {
    let fields: [String]
    let slots: [Int]
    let capacity: Int
    let reason: Int
    private var ring: [UInt64]
    private var ringNext = 0
    private var ringCount = 0
    private var table: [UInt64]  // 0 = empty, 1 = tombstone
    private let tableMask: Int
    private var tombstones = 0

    init(fields: [String], slots: [Int], capacity: Int, deadLetters: DeadLetters) {
        self.fields = fields
        self.slots = slots
        self.capacity = max(1, capacity)
        reason = deadLetters.register(RejectionReason(.duplicate, rule: "dedupe(\(fields.joined(separator: ", ")))", field: fields.joined(separator: ",")))
        ring = Array(repeating: 0, count: self.capacity)
        var size = 16
        while size < self.capacity * 2 { size <<= 1 }
        table = Array(repeating: 0, count: size)
        tableMask = size - 1
    }

    private func hash(_ batch: Batch, _ row: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        @inline(__always) func mix(_ x: UInt64) {
            h = (h ^ x) &* 0x100_0000_01B3
            h ^= h &>> 31
        }
        for slot in slots {
            let c = batch.columns[slot]
            if c.validity[row] == 0 { mix(0x9E37_79B9); continue }
            switch c.type {
            case .float64: mix(c.float64[row].bitPattern)
            case .int64: mix(UInt64(bitPattern: c.int64[row]))
            case .bool: mix(UInt64(c.bools[row]) &+ 7)
            case .string:
                let s = batch.arena.bytes(c.strings[row])
                for b in s { mix(UInt64(b)) }
                mix(UInt64(s.count) &+ 0xFF)
            }
        }
        return h < 2 ? h &+ 2 : h
    }

    private func find(_ h: UInt64) -> (found: Bool, slot: Int) {
        var i = Int(truncatingIfNeeded: h &* 0x9E37_79B9_7F4A_7C15 &>> 20) & tableMask
        var firstFree = -1
        while true {
            let v = table[i]
            if v == 0 { return (false, firstFree >= 0 ? firstFree : i) }
            if v == 1 { if firstFree < 0 { firstFree = i } } else if v == h { return (true, i) }
            i = (i + 1) & tableMask
        }
    }

    private func remove(_ h: UInt64) {
        let (found, slot) = find(h)
        if found {
            table[slot] = 1
            tombstones += 1
        }
    }

    /// Rebuilds the set from the ring once tombstones take a quarter of it, so probes stay short and always end.
    private func compactIfNeeded() {
        guard tombstones * 4 > table.count else { return }
        for i in table.indices { table[i] = 0 }
        tombstones = 0
        // The entry at ringNext is being evicted: leave it out.
        for k in 0..<ringCount where !(ringCount == capacity && k == ringNext) {
            let (_, slot) = find(ring[k])
            table[slot] = ring[k]
        }
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        try batch.filterSelection({ r in
            let h = hash(batch, r)
            let (found, slot) = find(h)
            if found { return false }
            var insertAt = slot
            if ringCount == capacity {
                remove(ring[ringNext])
                compactIfNeeded()
                insertAt = find(h).slot
            } else {
                ringCount += 1
            }
            table[insertAt] = h
            ring[ringNext] = h
            ringNext = (ringNext + 1) % capacity
            return true
        }) { row in
            try deadLetters.reject(batch, row: row, reason: reason)
        }
    }

    var explanation: String { "dedupe(\(fields.joined(separator: ", ")), last \(capacity) keys)" }
}

extension DedupeFilter: CheckpointableOperator {
    /// The remembered hashes, verbatim: they depend on key values only, not on any run's ids.
    func saveState(to w: inout StateWriter) {
        w.write(ring)
        w.write(ringNext)
        w.write(ringCount)
        w.write(table)
        w.write(tombstones)
    }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        let ring: [UInt64] = try r.readArray()
        let ringNext = try r.readInt(), ringCount = try r.readInt()
        let table: [UInt64] = try r.readArray()
        let tombstones = try r.readInt()
        guard ring.count == self.ring.count, table.count == self.table.count, (0..<max(1, ring.count)).contains(ringNext), (0...ring.count).contains(ringCount) else {
            throw .mismatch("dedupe(\(fields.joined(separator: ", "))) remembered \(ring.count) keys in the checkpoint, \(self.ring.count) now (capacity changed?)")
        }
        (self.ring, self.ringNext, self.ringCount, self.table, self.tombstones) = (ring, ringNext, ringCount, table, tombstones)
    }
}
