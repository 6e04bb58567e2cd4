import Testing
@testable import Sluice

/// The LRU cache as a state machine: recency order, capacity eviction, TTL expiry, counters.
@Suite struct LRUCacheTests {
    @Test func evictsTheLeastRecentlyUsedEntryWhenFull() {
        var cache = LRUCache<String, Int>(capacity: 3)
        cache.put("a", 1)
        cache.put("b", 2)
        cache.put("c", 3)
        #expect(cache.keysByRecency == ["c", "b", "a"])
        #expect(cache.get("a") == 1)  // a becomes the most recent; b is now the least recent
        #expect(cache.keysByRecency == ["a", "c", "b"])
        cache.put("d", 4)
        #expect(cache.keysByRecency == ["d", "a", "c"])
        #expect(!cache.contains("b"))
        #expect(cache.statistics.evictions == 1)
        cache.put("e", 5)
        cache.put("f", 6)
        #expect(cache.keysByRecency == ["f", "e", "d"])
        #expect(cache.count == 3)
        #expect(cache.statistics.evictions == 3)
    }

    @Test func putOfAHeldKeyReplacesItsValueWithoutEvicting() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.put("a", 1)
        cache.put("b", 2)
        cache.put("a", 10)
        #expect(cache.keysByRecency == ["a", "b"])
        #expect(cache.get("a") == 10)
        #expect(cache.statistics.evictions == 0)
        #expect(cache.count == 2)
    }

    @Test func capacityOneKeepsOnlyTheLastKey() {
        var cache = LRUCache<Int, String>(capacity: 1)
        cache.put(1, "one")
        cache.put(2, "two")
        #expect(cache.get(1) == nil)
        #expect(cache.get(2) == "two")
        #expect(cache.keysByRecency == [2])
    }

    /// A 5-minute TTL, read as a timeline on a manual clock.
    @Test func ttlExpiresEntriesExactlyTheirTimeToLiveAfterTheyWereLoaded() {
        let clock = ManualClock()
        var cache = LRUCache<String, String>(capacity: 10, ttl: .minutes(5))
        func at(_ minutes: Int64, _ seconds: Int64 = 0) -> Int64 {
            clock.set(to: .milliseconds(minutes * 60_000 + seconds * 1000))
            return clock.now
        }

        cache.put("s1", "north", now: at(0, 0))                 // 00:00  s1 loaded
        cache.put("s2", "south", now: at(2, 0))                 // 02:00  s2 loaded
        #expect(cache.lookup("s1", now: at(4, 59)) == .hit("north"))   // 04:59  still fresh (a hit does not extend the TTL)
        #expect(cache.lookup("s1", now: at(5, 0)) == .expired)         // 05:00  exactly 5m old: expired and removed
        #expect(cache.lookup("s1", now: at(5, 0)) == .miss)            // 05:00  gone: a plain miss
        #expect(cache.lookup("s2", now: at(6, 59)) == .hit("south"))   // 06:59  s2 is 4m59s old
        cache.put("s1", "north-2", now: at(7, 0))               // 07:00  s1 reloaded
        #expect(cache.lookup("s2", now: at(7, 0)) == .expired)         // 07:00  s2 is 5m old
        #expect(cache.lookup("s1", now: at(11, 59)) == .hit("north-2")) // 11:59  s1 is 4m59s old
        #expect(cache.lookup("s1", now: at(12, 0)) == .expired)        // 12:00  s1 is 5m old

        #expect(cache.statistics.hits == 3)
        #expect(cache.statistics.misses == 4)
        #expect(cache.statistics.expirations == 3)
        #expect(cache.count == 0)
    }

    @Test func anExpiredEntryFreesItsSlotSoTheNextPutEvictsNothing() {
        var cache = LRUCache<String, Int>(capacity: 2, ttl: .seconds(1))
        cache.put("a", 1, now: 0)
        cache.put("b", 2, now: 500)
        #expect(cache.lookup("a", now: 1000) == .expired)
        cache.put("c", 3, now: 1000)
        #expect(cache.statistics.evictions == 0)
        #expect(cache.keysByRecency == ["c", "b"])
        cache.put("d", 4, now: 1000)  // full again: b is the least recent
        #expect(cache.keysByRecency == ["d", "c"])
        #expect(cache.statistics.evictions == 1)
    }

    @Test func countersAndHitRate() {
        var cache = LRUCache<Int, Int>(capacity: 2)
        #expect(cache.statistics.hitRate == 0)
        for k in [1, 2, 1, 1, 3, 2, 1] {
            if cache.get(k) == nil { cache.put(k, k * 10) }
        }
        // 1 miss, 2 miss, 1 hit, 1 hit, 3 miss (evicts 2), 2 miss (evicts 1), 1 miss (evicts 3)
        #expect(cache.statistics.hits == 2)
        #expect(cache.statistics.misses == 5)
        #expect(cache.statistics.evictions == 3)
        #expect(cache.statistics.expirations == 0)
        #expect(cache.statistics.lookups == 7)
        #expect(cache.statistics.hitRate == 2.0 / 7.0)
    }

    @Test func anEntryTheCallerRejectsIsAMissAndIsReplacedByThePut() {
        // Keys that are digests: the value carries the real key, checked on lookup.
        var cache = LRUCache<Int, (key: String, value: Int)>(capacity: 4)
        cache.put(7, (key: "apple", value: 1))
        let lookup = cache.lookup(7, now: 0) { $0.key == "pear" }
        #expect(lookup.value == nil)
        #expect(cache.statistics.misses == 1)
        #expect(cache.contains(7))
        cache.put(7, (key: "pear", value: 2))
        #expect(cache.lookup(7, now: 0) { $0.key == "pear" }.value?.value == 2)
        #expect(cache.statistics.hits == 1)
    }

    @Test func removeAllEmptiesTheCacheAndKeepsCounters() {
        var cache = LRUCache<Int, Int>(capacity: 3)
        cache.put(1, 1)
        _ = cache.get(1)
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.keysByRecency.isEmpty)
        #expect(cache.get(1) == nil)
        cache.put(2, 2)
        #expect(cache.keysByRecency == [2])
        #expect(cache.statistics.hits == 1)
    }

    /// Random operations against an obviously correct model (an array in recency order).
    @Test(arguments: [1, 3, 16, 500]) func agreesWithASimpleModel(capacity: Int) {
        var cache = LRUCache<Int, Int>(capacity: capacity, ttl: .milliseconds(40))
        var model: [(key: Int, value: Int, loaded: Int64)] = []  // most recent first
        var rng = SystemRandomNumberGenerator()
        var now: Int64 = 0
        for step in 0..<20_000 {
            now += Int64.random(in: 0...3, using: &rng)
            let key = Int.random(in: 0..<(capacity * 2 + 1), using: &rng)
            if Bool.random(using: &rng) {
                let got = cache.lookup(key, now: now).value
                var expected: Int?
                if let i = model.firstIndex(where: { $0.key == key }) {
                    if now - model[i].loaded >= 40 {
                        model.remove(at: i)
                    } else {
                        expected = model[i].value
                        model.insert(model.remove(at: i), at: 0)
                    }
                }
                #expect(got == expected, "step \(step): lookup \(key)")
            } else {
                cache.put(key, step, now: now)
                if let i = model.firstIndex(where: { $0.key == key }) { model.remove(at: i) }
                model.insert((key, step, now), at: 0)
                if model.count > capacity { model.removeLast() }
            }
            if step % 997 == 0 { #expect(cache.keysByRecency == model.map(\.key), "step \(step)") }
        }
        #expect(cache.keysByRecency == model.map(\.key))
    }
}
