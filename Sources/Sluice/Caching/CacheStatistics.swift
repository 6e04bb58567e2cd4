/// What a cache did: the counters of an ``LRUCache``, reported in run summaries.
///
/// `misses` includes lookups that found an expired entry (also counted in
/// `expirations`); `hits + misses` is every lookup.
public struct CacheStatistics: Codable, Sendable, Hashable {
    /// Lookups answered from the cache.
    public var hits: Int = 0
    /// Lookups the cache could not answer (absent, expired, or rejected by the caller's check).
    public var misses: Int = 0
    /// Entries found expired (older than the TTL) on lookup, and removed.
    public var expirations: Int = 0
    /// Entries removed to make room for a new one (least recently used first).
    public var evictions: Int = 0

    public init() {}

    public var lookups: Int { hits + misses }

    /// `hits / lookups`, or 0 before the first lookup.
    public var hitRate: Double { lookups > 0 ? Double(hits) / Double(lookups) : 0 }

    /// The sum of two caches' counters (e.g. one per shard of a parallel run).
    public static func + (a: CacheStatistics, b: CacheStatistics) -> CacheStatistics {
        var s = CacheStatistics()
        s.hits = a.hits + b.hits
        s.misses = a.misses + b.misses
        s.expirations = a.expirations + b.expirations
        s.evictions = a.evictions + b.evictions
        return s
    }
}
