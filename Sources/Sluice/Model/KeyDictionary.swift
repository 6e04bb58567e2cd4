/// Interns key values (byte strings) to dense `Int32` ids: 0, 1, 2, ...
///
/// Decoders intern each grouping-key value once per record, so stateful
/// operators index flat arrays by id instead of hashing strings. This is an
/// open-addressing table over raw bytes; keys of at most 8 bytes (the common
/// case: sensor ids, country codes) hash and compare as one machine word.
/// Seeded `String` hashing and UTF-8 validation per row cost about 1.7× the
/// whole pipeline, which is why this is not a `Dictionary<String, Int32>`.
///
/// Ids are stable for the lifetime of the dictionary; bytes are kept so
/// operators can write the key back out. Once a decoder's dictionary holds
/// ``maxKeys`` keys the runtime gives the decoder a fresh one between batches
/// (``PhysicalPlan/replaceFullDictionaries()``), so key cardinality cannot
/// grow it without bound; a window that used the old one as its key space
/// keeps it and translates the new one's ids, and compacts its key space to
/// the keys it still holds.
public final class KeyDictionary: @unchecked Sendable {
    // Safe: owned by a single pipeline run; the decoder and the operators that
    // read it run on the same thread (or are handed the run in sequence).
    @exclusivity(unchecked) @usableFromInline var slots: UnsafeMutablePointer<Int32>  // -1 = empty
    @exclusivity(unchecked) @usableFromInline var slotMask: Int
    @exclusivity(unchecked) @usableFromInline var words: UnsafeMutablePointer<UInt64>  // per id: first 8 bytes, zero-padded
    @exclusivity(unchecked) @usableFromInline var lengths: UnsafeMutablePointer<Int32>  // per id
    @exclusivity(unchecked) @usableFromInline var offsets: UnsafeMutablePointer<Int>  // per id, into bytes (for keys > 8 bytes, and output)
    @exclusivity(unchecked) @usableFromInline var hashes: UnsafeMutablePointer<UInt64>  // per id: the key's hash, for rehashing and key groups
    @exclusivity(unchecked) @usableFromInline var idCapacity: Int
    @exclusivity(unchecked) @usableFromInline var bytes: ByteArena
    @exclusivity(unchecked) public private(set) var count: Int = 0
    /// The size at which the runtime replaces a decoder's dictionary between batches.
    public var maxKeys: Int = KeyDictionary.defaultMaxKeys
    /// 2^18 keys: about 12 MiB of dictionary, far above the cardinality most keys have.
    public static let defaultMaxKeys = 1 << 18

    public init(expectedKeys: Int = 1024) {
        var slotCount = 16
        while slotCount < expectedKeys * 2 { slotCount <<= 1 }
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: -1, count: slotCount)
        slotMask = slotCount - 1
        idCapacity = max(16, expectedKeys)
        words = .allocate(capacity: idCapacity)
        lengths = .allocate(capacity: idCapacity)
        offsets = .allocate(capacity: idCapacity)
        hashes = .allocate(capacity: idCapacity)
        bytes = ByteArena(capacity: idCapacity * 8)
    }

    deinit {
        slots.deallocate()
        words.deallocate()
        lengths.deallocate()
        offsets.deallocate()
        hashes.deallocate()
    }

    /// The id of the key `p[0..<length]`, adding it if new.
    /// `readable` is how many bytes from `p` may be read without leaving the
    /// buffer; with 8 or more, short keys are loaded as one word.
    @inlinable @inline(__always)
    public func intern(_ p: UnsafePointer<UInt8>, _ length: Int, readable: Int) -> Int32 {
        var word: UInt64
        if length <= 8 {
            if readable >= 8 {
                word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
                if length < 8 { word &= (UInt64(1) &<< UInt64(length &* 8)) &- 1 }
            } else {
                word = 0
                for i in 0..<length { word |= UInt64(p[i]) &<< UInt64(i &* 8) }
            }
            var h = (word ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h &>> 29
            var slot = Int(truncatingIfNeeded: h) & slotMask
            while true {
                let id = slots[slot]
                if id < 0 { return insert(p, length, word: word, hash: h, slot: slot) }
                if words[Int(id)] == word && lengths[Int(id)] == Int32(truncatingIfNeeded: length) { return id }
                slot = (slot &+ 1) & slotMask
            }
        }
        return internLong(p, length)
    }

    @usableFromInline
    func internLong(_ p: UnsafePointer<UInt8>, _ length: Int) -> Int32 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(length)
        var first: UInt64 = 0
        for i in 0..<length {
            h = (h ^ UInt64(p[i])) &* 0x100_0000_01B3
            if i < 8 { first |= UInt64(p[i]) &<< UInt64(i &* 8) }
        }
        h ^= h &>> 29
        var slot = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let id = slots[slot]
            if id < 0 { return insert(p, length, word: first, hash: h, slot: slot) }
            let i = Int(id)
            if words[i] == first && lengths[i] == Int32(truncatingIfNeeded: length)
                && memcmpEqual(bytes.base + offsets[i], p, length) {
                return id
            }
            slot = (slot &+ 1) & slotMask
        }
    }

    @usableFromInline
    func insert(_ p: UnsafePointer<UInt8>, _ length: Int, word: UInt64, hash: UInt64, slot: Int) -> Int32 {
        precondition(count < Int(Int32.max), "more than 2^31 distinct keys")
        if count == idCapacity { growIDs() }
        let id = count
        words[id] = word
        lengths[id] = Int32(truncatingIfNeeded: length)
        offsets[id] = Int(bytes.append(p, length).offset)
        hashes[id] = hash
        slots[slot] = Int32(truncatingIfNeeded: id)
        count += 1
        if count * 2 > slotMask + 1 { rehash() }
        return Int32(truncatingIfNeeded: id)
    }

    /// Whether the dictionary has reached ``maxKeys``.
    public var isFull: Bool { count >= maxKeys }

    /// Approximate bytes held.
    public var byteSize: Int { (slotMask + 1) * 4 + idCapacity * 28 + bytes.capacity }

    /// Interns a Swift string (slow path: tests, lookup tables).
    public func intern(_ key: String) -> Int32 {
        var s = key
        return s.withUTF8 { buf in
            let p = buf.baseAddress ?? UnsafePointer(bytes.base)
            return intern(p, buf.count, readable: 0)
        }
    }

    /// The bytes of key `id`.
    public func keyBytes(_ id: Int32) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes.base + offsets[Int(id)], count: Int(lengths[Int(id)]))
    }

    /// The 64-bit hash of key `id`: stable for a given key within a process, used to assign keys to key groups.
    @inlinable public func hash(_ id: Int32) -> UInt64 { hashes[Int(id)] }

    public func key(_ id: Int32) -> String {
        String(decoding: keyBytes(id), as: UTF8.self)
    }

    private func growIDs() {
        let newCapacity = idCapacity * 2
        func grown<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
            p.moveInitialize(from: old, count: count)
            old.deallocate()
            return p
        }
        words = grown(words)
        lengths = grown(lengths)
        offsets = grown(offsets)
        hashes = grown(hashes)
        idCapacity = newCapacity
    }

    private func rehash() {
        let newCount = (slotMask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: newCount)
        slots.initialize(repeating: -1, count: newCount)
        slotMask = newCount - 1
        for id in 0..<count {
            let h = hashes[id]
            var slot = Int(truncatingIfNeeded: h) & slotMask
            while slots[slot] >= 0 { slot = (slot &+ 1) & slotMask }
            slots[slot] = Int32(truncatingIfNeeded: id)
        }
    }
}

@usableFromInline
func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}
