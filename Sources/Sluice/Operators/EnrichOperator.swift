/// Joins each selected row with a ``LookupTable`` by a key column and writes
/// the looked-up values into the step's new columns.
///
/// Per row: the key (an `int64`, or a string's bytes in the batch arena) →
/// the ``LRUCache`` → on a miss, the table. The cache is keyed by a 64-bit
/// value: an `int64` key itself, or ``LookupKey/hash(_:_:)`` of a string's
/// bytes. A string entry keeps its key's bytes and a hit is checked against
/// them, so a hash collision is a miss, never a wrong row. Why not dictionary
/// ids: a string key column is dictionary-encoded only when it is also a
/// window key, and a parallel run gives each worker its own dictionary, so ids
/// are not stable across batches; hashing a short key costs a few ns.
///
/// A hit allocates nothing (the values are copied into the batch's columns and
/// arena); a miss allocates the row and a copy of the key for the cache. The
/// cache also remembers that a key is *not* in the table, so a hot unknown key
/// costs one table lookup per TTL, not one per record.
///
/// Rows with no match (null key, or key not in the table): `keep` writes nulls,
/// `reject` sends the row to the dead letters as `lookup_miss` with the key.
///
/// The TTL clock is read once per batch: a batch is enriched as of one instant.
/// One instance per plan instance: the table and cache are used by one thread.
final class EnrichOperator: BatchOperator {
    let spec: EnrichSpec
    let keySlot: Int
    let keyIsString: Bool
    /// Output slots, one per `spec.fields` entry.
    let targets: [Int]
    let table: any LookupTable
    let clock: any CacheClock
    let missReason: Int

    /// A cached answer: the key (string keys only; a `String` of up to 15 UTF-8 bytes is stored inline,
    /// so short keys cost no allocation or reference counting) and the row, nil when the table has no such key.
    private struct CachedRow {
        var key: String
        var values: [Value]?
    }

    @exclusivity(unchecked) private var cache: LRUCache<UInt64, CachedRow>?
    private let readsClock: Bool
    @exclusivity(unchecked) private var counters: EnrichStatistics

    init(spec: EnrichSpec, keySlot: Int, keyType: DataType, targets: [Int], table: any LookupTable,
         clock: any CacheClock, deadLetters: DeadLetters) {
        precondition(keyType == .string || keyType == .int64)
        self.spec = spec
        self.keySlot = keySlot
        self.keyIsString = keyType == .string
        self.targets = targets
        self.table = table
        self.clock = clock
        missReason = deadLetters.register(RejectionReason(.lookupMiss, rule: "enrich(\(spec.key)) from \(spec.table)", field: spec.key))
        switch spec.cache {
        case .none:
            cache = nil
            readsClock = false
        case .lru(let capacity, let ttl):
            cache = LRUCache(capacity: capacity, ttl: ttl)
            readsClock = ttl != nil
        }
        counters = EnrichStatistics(table: spec.table, key: spec.key, onMiss: spec.onMiss,
                                    cachePolicy: cache == nil ? nil : spec.cache.description)
    }

    /// What the step did so far.
    var statistics: EnrichStatistics {
        var s = counters
        s.cache = cache?.statistics
        s.storageReads = table.storageReads
        return s
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters) throws {
        let now = readsClock ? clock.now : 0
        let keyColumn = batch.columns[keySlot]
        let outputs = targets.map { batch.columns[$0] }
        let arena = batch.arena
        let selection = batch.selection
        let reject = spec.onMiss == .reject
        var kept = 0
        for j in 0..<batch.selectedCount {
            let r = Int(selection[j])
            selection[kept] = Int32(truncatingIfNeeded: r)
            counters.rows &+= 1
            var values: [Value]?
            if keyColumn.validity[r] == 0 {
                counters.nullKeys &+= 1
            } else if keyIsString {
                // The key's bytes stay valid until the row's values are written below (they may grow the arena).
                let slot = keyColumn.strings[r]
                let bytes = UnsafeBufferPointer(start: arena.base + Int(slot.offset), count: Int(slot.length))
                values = try resolve(LookupKey(bytes: bytes), now: now)
            } else {
                values = try resolve(LookupKey(keyColumn.int64[r]), now: now)
            }
            if let values {
                counters.matched &+= 1
                for i in 0..<outputs.count where !values[i].store(into: outputs[i], row: r, arena: arena) {
                    throw LookupTableError("lookup table \(spec.table) returned \(values[i]) for field '\(spec.fields[i].name)' of type \(spec.fields[i].type)")
                }
                kept &+= 1
                continue
            }
            counters.unmatched &+= 1
            if reject {
                try deadLetters.reject(batch, row: r, reason: missReason, value: describeValue(keyColumn, batch, r),
                                       detail: keyColumn.validity[r] == 0 ? "null key" : "key not in the table")
            } else {
                for column in outputs { column.validity[r] = 0 }
                kept &+= 1
            }
        }
        batch.selectedCount = kept
    }

    /// The row for `key`: from the cache, else from the table (and then cached).
    @inline(__always)
    private func resolve(_ key: LookupKey, now: Int64) throws -> [Value]? {
        guard cache != nil else { return try load(key) }
        let cached: LRUCache<UInt64, CachedRow>.Lookup
        if keyIsString {
            cached = cache!.lookup(key.hash, now: now) { entry in
                var k = entry.key
                return k.withUTF8 { key.matches(bytes: $0) }
            }
        } else {
            cached = cache!.lookup(key.hash, now: now)
        }
        if case .hit(let entry) = cached { return entry.values }
        let values = try load(key)
        var keyText = ""
        if case .string(let bytes) = key.storage { keyText = String(decoding: bytes, as: UTF8.self) }
        cache!.put(key.hash, CachedRow(key: keyText, values: values), now: now)
        return values
    }

    private func load(_ key: LookupKey) throws -> [Value]? {
        counters.tableLookups &+= 1
        guard let values = try table.lookup(key) else { return nil }
        guard values.count == targets.count else {
            throw LookupTableError("lookup table \(spec.table) returned \(values.count) values for \(targets.count) fields (\(spec.fields.map(\.name).joined(separator: ", ")))")
        }
        return values
    }

    var explanation: String {
        let fields = spec.fields.map { "\($0.name): \($0.type)" }.joined(separator: ", ")
        let key = spec.tableKey.map { "\(spec.key) = table.\($0)" } ?? spec.key
        let miss = spec.onMiss == .keep ? "keep (fields null)" : "reject (lookup_miss)"
        return "enrich on \(key) -> \(fields) from \(table.explanation); on miss: \(miss); cache: \(spec.cache)"
    }
}
