/// What one `enrich` step did in a run: matches, misses and its cache's
/// counters. Part of ``RunSummary`` (`enrichments`), printed by `sluice run`.
public struct EnrichStatistics: Codable, Sendable, Hashable {
    /// The table, as the spec names it.
    public var table: String
    /// The stream's key field.
    public var key: String
    /// Rows that reached the step.
    public var rows: Int = 0
    /// Rows whose key was found in the table.
    public var matched: Int = 0
    /// Rows whose key was null or not in the table (kept with null fields, or rejected: see ``onMiss``).
    public var unmatched: Int = 0
    /// Of the unmatched rows, those with a null key (never looked up).
    public var nullKeys: Int = 0
    /// Lookups that went to the table (cache misses, or every keyed row without a cache).
    public var tableLookups: Int = 0
    /// Reads of the table's storage (records read from disk for a file table).
    public var storageReads: Int = 0
    public var onMiss: EnrichSpec.MissPolicy
    /// The cache policy, as text (`LRU 10000 entries, ttl 5m`), nil without a cache.
    public var cachePolicy: String?
    /// The cache's counters, nil without a cache.
    public var cache: CacheStatistics?

    public init(table: String, key: String, onMiss: EnrichSpec.MissPolicy, cachePolicy: String?) {
        self.table = table
        self.key = key
        self.onMiss = onMiss
        self.cachePolicy = cachePolicy
    }

    /// The sum of two plan instances' statistics for the same step (a parallel run has one per worker).
    public static func + (a: EnrichStatistics, b: EnrichStatistics) -> EnrichStatistics {
        var s = a
        s.rows += b.rows
        s.matched += b.matched
        s.unmatched += b.unmatched
        s.nullKeys += b.nullKeys
        s.tableLookups += b.tableLookups
        s.storageReads += b.storageReads
        switch (a.cache, b.cache) {
        case (let x?, let y?): s.cache = x + y
        case (nil, let y?): s.cache = y
        default: break
        }
        return s
    }

    /// Per-step sums over several plan instances of one pipeline (each a list in step order).
    public static func merged(_ perPlan: [[EnrichStatistics]]) -> [EnrichStatistics] {
        guard var total = perPlan.first else { return [] }
        for plan in perPlan.dropFirst() where plan.count == total.count {
            for i in total.indices { total[i] = total[i] + plan[i] }
        }
        return total
    }

    /// Lines for the run summary.
    public var summaryLines: [String] {
        var lines = ["  enrich \(key) from \(table): \(rows) rows, \(matched) matched, \(unmatched) unmatched"
            + (nullKeys > 0 ? " (\(nullKeys) null key\(nullKeys == 1 ? "" : "s"))" : "") + (onMiss == .reject && unmatched > 0 ? ", rejected as lookup_miss" : "")]
        var reads = "\(tableLookups) table lookups"
        if storageReads > 0 { reads += ", \(storageReads) records read from disk" }
        if let cache, let cachePolicy {
            lines.append("    cache \(cachePolicy): \(cache.hits) hits, \(cache.misses) misses, hit rate \(fixed(cache.hitRate * 100, 1)) %, "
                + "\(cache.evictions) evictions, \(cache.expirations) expirations; \(reads)")
        } else {
            lines.append("    no cache; \(reads)")
        }
        return lines
    }
}
