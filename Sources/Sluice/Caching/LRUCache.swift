/// A least-recently-used cache with a size bound and an optional time to live.
///
/// Why this shape: a lookup-table join asks the cache once per record, so a
/// hit must be cheap and steady-state operation must not allocate. Entries
/// live in one array and are chained into a doubly-linked recency list by
/// `Int32` indices stored in the entries themselves (an *intrusive* list): no
/// node objects, no per-entry allocation once the array has grown to
/// `capacity`. Keys are found through an open-addressing table of `Int32`
/// entry indices (linear probing, load at most 1/2, backward-shift deletion):
/// a probe reads one small slot and then the entry, which a hit reads anyway.
/// A `Dictionary` keeps metadata, keys and values in three arrays, so with
/// thousands of entries a hit touched about twice as many cache lines (a
/// measured ~30 % of the hit cost in `sluice bench-enrich`). Slots are placed
/// by a per-cache random seed mixed into the key's hash, so crafted keys cannot
/// build long probe chains. Every operation is O(1) expected.
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
        /// The key's seeded hash: its home slot, without hashing again when slots move.
        var hash: UInt64
        /// nil once the entry was removed (its slot is on the free list).
        var value: Value?
        var loadedAt: Int64
        /// Towards the most recent entry (-1: this is the head).
        var newer: Int32
        /// Towards the least recent entry (-1: this is the tail), or the next free slot.
        var older: Int32
    }

    /// Entry indices by slot (-1: empty); a power of two, grown as entries are added.
    private var slots: [Int32]
    private var slotMask: Int
    private let seed: UInt64
    private var live = 0
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
        var slotCount = 16
        while slotCount < 2 * min(capacity, 1 << 12) { slotCount <<= 1 }
        slots = Array(repeating: -1, count: slotCount)
        slotMask = slotCount - 1
        seed = UInt64.random(in: .min ... .max)
        entries.reserveCapacity(min(capacity, 1 << 12))
    }

    /// Entries currently held (expired ones not yet discovered included).
    public var count: Int { live }

    /// Looks `key` up at time `now`; a hit becomes the most recent entry.
    ///
    /// `accept` lets a caller whose keys are digests (e.g. 64-bit hashes of
    /// strings) check that the entry is really for its key: a rejected entry is
    /// a miss and stays until the caller's `put` replaces it.
    public mutating func lookup(_ key: Key, now: Int64, accept: (Value) -> Bool = { _ in true }) -> Lookup {
        let (_, i) = find(key, hash(key))
        guard i >= 0 else {
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
        let h = hash(key)
        let located = find(key, h)
        var slot = located.slot
        if located.entry >= 0 {
            let i = located.entry
            let e = Int(i)
            entries[e].value = value
            entries[e].loadedAt = now
            moveToFront(i)
            return
        }
        if live >= capacity, tail >= 0 {
            remove(tail)
            statistics.evictions += 1
            slot = find(key, h).slot  // the removal may have moved slots
        } else if (live + 1) * 2 > slots.count {
            growSlots()
            slot = find(key, h).slot
        }
        let i: Int32
        if free >= 0 {
            i = free
            free = entries[Int(i)].older
            entries[Int(i)] = Entry(key: key, hash: h, value: value, loadedAt: now, newer: -1, older: head)
        } else {
            i = Int32(truncatingIfNeeded: entries.count)
            entries.append(Entry(key: key, hash: h, value: value, loadedAt: now, newer: -1, older: head))
        }
        if head >= 0 { entries[Int(head)].newer = i } else { tail = i }
        head = i
        slots[slot] = i
        live += 1
    }

    /// Whether `key` is held, without changing recency or counters (expired entries not yet discovered count).
    public func contains(_ key: Key) -> Bool { find(key, hash(key)).entry >= 0 }

    /// The keys from most to least recently used: what would be evicted last comes first.
    public var keysByRecency: [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(live)
        var i = head
        while i >= 0 {
            keys.append(entries[Int(i)].key)
            i = entries[Int(i)].older
        }
        return keys
    }

    /// Drops every entry; counters are kept.
    public mutating func removeAll() {
        for s in slots.indices { slots[s] = -1 }
        live = 0
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
        removeSlot(find(entries[Int(i)].key, entries[Int(i)].hash).slot)
        live -= 1
        entries[Int(i)].value = nil
        entries[Int(i)].older = free
        free = i
    }

    /// The key's slot hash: its `Hashable` hash (a 64-bit key as is), mixed with the seed.
    @inline(__always)
    private func hash(_ key: Key) -> UInt64 {
        var h: UInt64
        if let k = key as? UInt64 { h = k } else if let k = key as? Int64 { h = UInt64(bitPattern: k) } else { h = UInt64(bitPattern: Int64(key.hashValue)) }
        h ^= seed
        h = (h ^ (h &>> 32)) &* 0xD6E8_FEB8_6659_FD93
        h = (h ^ (h &>> 32)) &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h &>> 32)
    }

    /// Where `key` is (`entry` its index), or the empty slot where it would go (`entry` -1).
    @inline(__always)
    private func find(_ key: Key, _ h: UInt64) -> (slot: Int, entry: Int32) {
        var s = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let i = slots[s]
            if i < 0 { return (s, -1) }
            if entries[Int(i)].hash == h && entries[Int(i)].key == key { return (s, i) }
            s = (s &+ 1) & slotMask
        }
    }

    /// Empties `slot`, moving later entries of its probe run back so every entry stays reachable.
    private mutating func removeSlot(_ slot: Int) {
        var hole = slot
        var j = (slot &+ 1) & slotMask
        while slots[j] >= 0 {
            let home = Int(truncatingIfNeeded: entries[Int(slots[j])].hash) & slotMask
            // Move j into the hole unless its home lies cyclically in (hole, j].
            let stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j)
            if !stays {
                slots[hole] = slots[j]
                hole = j
            }
            j = (j &+ 1) & slotMask
        }
        slots[hole] = -1
    }

    private mutating func growSlots() {
        let count = slots.count * 2
        slots = Array(repeating: -1, count: count)
        slotMask = count - 1
        var i = head
        while i >= 0 {
            var s = Int(truncatingIfNeeded: entries[Int(i)].hash) & slotMask
            while slots[s] >= 0 { s = (s &+ 1) & slotMask }
            slots[s] = i
            i = entries[Int(i)].older
        }
    }
}

extension LRUCache.Lookup: Equatable where Value: Equatable {}
