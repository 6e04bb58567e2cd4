/// Splits a decoded batch's rows among shards by the key group of their
/// grouping key, writing each shard's rows into that shard's view selection.
///
/// The key group is `hash(key) mod keyGroups`, and groups map to shards in
/// contiguous ranges. For a dictionary-encoded key the hash was computed once
/// when the key was interned, and the shard of each id is cached: routing a
/// row costs one array load. Other keys (ints, several fields) are hashed per
/// row. Hashes are deterministic, so every worker routes a key the same way.
final class ShardRouter {
    let keySlots: [Int]
    let timeSlot: Int?
    let options: ParallelOptions
    private var shardOfID: [Int8] = []
    private weak var cachedDictionary: KeyDictionary?

    init(plan: PhysicalPlan, options: ParallelOptions) {
        keySlots = plan.stages[0].routingSlots ?? []
        timeSlot = plan.stages[0].terminal?.eventTimeSlot
        self.options = options
    }

    func shard(ofHash h: UInt64) -> Int {
        options.shard(ofGroup: Int((h >> 32) % UInt64(options.keyGroups)))
    }

    /// Fills the views' selections and, per row, `rowWatermarks[r]` = the largest event time of the
    /// rows before `r` (all shards); returns the largest event time of the batch (or `.min`).
    func route(_ batch: Batch, into views: [Batch], rowWatermarks: UnsafeMutablePointer<Int64>) -> Int64 {
        for v in views { v.syncView(with: batch) }
        // Raw pointers for the per-row loop: no reference counting per row.
        let n = views.count
        let selections = UnsafeMutablePointer<UnsafeMutablePointer<Int32>>.allocate(capacity: n)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: n)
        defer {
            for (i, v) in views.enumerated() { v.selectedCount = counts[i] }
            selections.deallocate()
            counts.deallocate()
        }
        for (i, v) in views.enumerated() {
            selections[i] = v.selection
            counts[i] = 0
        }
        let sel = batch.selection
        var maxTime = Int64.min
        let timeColumn = timeSlot.map { batch.columns[$0] }
        let timeValid = timeColumn?.validity
        let timeInts = timeColumn?.int64
        let timeFloats = timeColumn?.type == .float64 ? timeColumn?.float64 : nil
        @inline(__always) func place(_ r: Int, _ shard: Int) {
            selections[shard][counts[shard]] = Int32(truncatingIfNeeded: r)
            counts[shard] &+= 1
            rowWatermarks[r] = maxTime
            if let timeValid, timeValid[r] != 0 {
                let t = timeFloats.map { Int64($0[r].rounded(.down)) } ?? timeInts![r]
                if t > maxTime { maxTime = t }
            }
        }
        if keySlots.count == 1, let ids = batch.columns[keySlots[0]].keyIDs, let dictionary = batch.columns[keySlots[0]].dictionary {
            if cachedDictionary !== dictionary {
                cachedDictionary = dictionary
                shardOfID.removeAll(keepingCapacity: true)
            }
            let valid = batch.columns[keySlots[0]].validity
            // Extend the id → shard cache to every id in this batch first, then route without checks.
            var maxID: Int32 = -1
            for j in 0..<batch.selectedCount {
                let r = Int(sel[j])
                if valid[r] != 0 && ids[r] > maxID { maxID = ids[r] }
            }
            if Int(maxID) >= shardOfID.count {
                for next in shardOfID.count...Int(maxID) { shardOfID.append(Int8(shard(ofHash: dictionary.hash(Int32(next))))) }
            }
            shardOfID.withUnsafeBufferPointer { shardOf in
                for j in 0..<batch.selectedCount {
                    let r = Int(sel[j])
                    place(r, valid[r] != 0 ? Int(shardOf[Int(ids[r])]) : 0)  // shard 0 dead-letters a null key
                }
            }
            return maxTime
        }
        for j in 0..<batch.selectedCount {
            let r = Int(sel[j])
            place(r, shard(ofHash: hashKey(batch, r)))
        }
        return maxTime
    }

    private func hashKey(_ batch: Batch, _ r: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        @inline(__always) func mix(_ x: UInt64) {
            h = (h ^ x) &* 0x100_0000_01B3
            h ^= h &>> 29
        }
        for slot in keySlots {
            let c = batch.columns[slot]
            guard c.validity[r] != 0 else { mix(0); continue }
            switch c.type {
            case .int64, .float64: mix(UInt64(bitPattern: c.int64[r]))
            case .bool: mix(UInt64(c.bools[r]) &+ 1)
            case .string:
                for b in batch.arena.bytes(c.strings[r]) { mix(UInt64(b)) }
            }
        }
        return h &* 0x9E37_79B9_7F4A_7C15
    }
}
