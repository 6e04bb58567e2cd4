/// A least-recently-used cache with a size bound and an optional time to live.
///
/// Why this shape: a lookup-table join asks the cache once per record, so a
/// hit must be cheap and steady-state operation must not allocate. Entries
/// live in one array and are chained into a doubly-linked recency list by
/// `Int32` indices stored in the entries themselves (an *intrusive* list): no
/// node objects, no per-entry allocation once the array has grown to
/// `capacity`. A `Dictionary` maps keys to entry indices. Every operation is
/// O(1).
///
/// The cache is a pure state machine: it never reads a clock. Callers pass
/// `now` (milliseconds on any monotonic clock, see ``CacheClock``) to each
/// operation, which makes expiry deterministic in tests and lets an operator
/// read the clock once per micro-batch instead of once per row.
///
/// Transitions (each updates ``statistics``):
///
/// | operation | state of `key` | result | effect |
/// | --- | --- | --- | --- |
/// | `lookup` | absent | `.miss` | `misses += 1` |
/// | `lookup` | present, `now - loaded >= ttl` | `.expired` | entry removed; `misses += 1`, `expirations += 1` |
/// | `lookup` | present, `accept(value)` false | `.miss` | entry kept (a `put` replaces it); `misses += 1` |
/// | `lookup` | present | `.hit(value)` | entry becomes most recent; `hits += 1` |
/// | `put` | present | — | value replaced, loaded = `now`, most recent |
/// | `put` | absent, `count < capacity` | — | inserted as most recent |
/// | `put` | absent, full | — | least recent entry evicted (`evictions += 1`), then inserted |
///
/// A value type with no locks: one instance belongs to one thread (one plan
/// instance). Expired entries are only discovered when looked up or when they
/// reach the least-recent end and are evicted (counted as evictions).
public struct LRUCache<Key: Hashable, Value> {
    /// The answer of a ``lookup(_:now:accept:)``.
    public enum Lookup {
        case hit(Value)
        case miss
        /// The entry was there but older than the TTL; it is gone now.
        case expired

        /// The value of a hit.
        public var value: Value? {
            if case .hit(let v) = self { return v }
            return nil
        }
    }

    /// The most entries held at once.
    public let capacity: Int
    /// How long an entry stays valid after it was put, in milliseconds; nil: forever.
    public let ttl: Int64?
    public private(set) var statistics = CacheStatistics()

    private struct Entry {
        var key: Key
        /// nil once the entry was removed (its slot is on the free list).
        var value: Value?
        var loadedAt: Int64
        /// Towards the most recent entry (-1: this is the head).
        var newer: Int32
        /// Towards the least recent entry (-1: this is the tail), or the next free slot.
        var older: Int32
    }

    private var index: [Key: Int32]
    private var entries: ContiguousArray<Entry> = []
    /// Most and least recently used entries (-1: empty).
    private var head: Int32 = -1
    private var tail: Int32 = -1
    /// Removed slots, chained through `older`.
    private var free: Int32 = -1

    /// - Parameters:
    ///   - capacity: at least 1.
    ///   - ttl: time to live since an entry was put; nil keeps entries until evicted.
    public init(capacity: Int, ttl: TimeSpan? = nil) {
        precondition(capacity > 0 && capacity < Int(Int32.max), "cache capacity must be between 1 and 2^31 - 2")
        precondition(ttl.map { $0.milliseconds > 0 } ?? true, "a cache TTL must be positive")
        self.capacity = capacity
        self.ttl = ttl?.milliseconds
        index = Dictionary(minimumCapacity: min(capacity, 1 << 16))
        entries.reserveCapacity(min(capacity, 1 << 16))
    }

    /// Entries currently held (expired ones not yet discovered included).
    public var count: Int { index.count }

    /// Looks `key` up at time `now`; a hit becomes the most recent entry.
    ///
    /// `accept` lets a caller whose keys are digests (e.g. 64-bit hashes of
    /// strings) check that the entry is really for its key: a rejected entry is
    /// a miss and stays until the caller's `put` replaces it.
    public mutating func lookup(_ key: Key, now: Int64, accept: (Value) -> Bool = { _ in true }) -> Lookup {
        guard let i = index[key] else {
            statistics.misses += 1
            return .miss
        }
        let e = Int(i)
        if let ttl, now &- entries[e].loadedAt >= ttl {
            remove(i)
            statistics.misses += 1
            statistics.expirations += 1
            return .expired
        }
        let value = entries[e].value.unsafelyUnwrapped
        guard accept(value) else {
            statistics.misses += 1
            return .miss
        }
        statistics.hits += 1
        moveToFront(i)
        return .hit(value)
    }

    /// The value for `key`, if cached and fresh at `now` (see ``lookup(_:now:accept:)``).
    public mutating func get(_ key: Key, now: Int64 = 0) -> Value? {
        lookup(key, now: now).value
    }

    /// Caches `value` for `key` as loaded at `now`, evicting the least recently used entry if full.
    public mutating func put(_ key: Key, _ value: Value, now: Int64 = 0) {
        if let i = index[key] {
            let e = Int(i)
            entries[e].value = value
            entries[e].loadedAt = now
            moveToFront(i)
            return
        }
        if index.count >= capacity, tail >= 0 {
            remove(tail)
            statistics.evictions += 1
        }
        let i: Int32
        if free >= 0 {
            i = free
            free = entries[Int(i)].older
            entries[Int(i)] = Entry(key: key, value: value, loadedAt: now, newer: -1, older: head)
        } else {
            i = Int32(truncatingIfNeeded: entries.count)
            entries.append(Entry(key: key, value: value, loadedAt: now, newer: -1, older: head))
        }
        if head >= 0 { entries[Int(head)].newer = i } else { tail = i }
        head = i
        index[key] = i
    }

    /// Whether `key` is held, without changing recency or counters (expired entries not yet discovered count).
    public func contains(_ key: Key) -> Bool { index[key] != nil }

    /// The keys from most to least recently used: what would be evicted last comes first.
    public var keysByRecency: [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(index.count)
        var i = head
        while i >= 0 {
            keys.append(entries[Int(i)].key)
            i = entries[Int(i)].older
        }
        return keys
    }

    /// Drops every entry; counters are kept.
    public mutating func removeAll() {
        index.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        head = -1
        tail = -1
        free = -1
    }

    private mutating func unlink(_ i: Int32) {
        let newer = entries[Int(i)].newer, older = entries[Int(i)].older
        if newer >= 0 { entries[Int(newer)].older = older } else { head = older }
        if older >= 0 { entries[Int(older)].newer = newer } else { tail = newer }
    }

    private mutating func moveToFront(_ i: Int32) {
        guard head != i else { return }
        unlink(i)
        entries[Int(i)].newer = -1
        entries[Int(i)].older = head
        if head >= 0 { entries[Int(head)].newer = i } else { tail = i }
        head = i
    }

    private mutating func remove(_ i: Int32) {
        unlink(i)
        index[entries[Int(i)].key] = nil
        entries[Int(i)].value = nil
        entries[Int(i)].older = free
        free = i
    }
}

extension LRUCache.Lookup: Equatable where Value: Equatable {}
