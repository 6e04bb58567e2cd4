/// The set of (sensor id, window start) keys seen in an output, for counting duplicates.
///
/// Checking a million-row output spends most of its time here with a `Set` of a
/// `Hashable` struct (SipHash, rehashing), so ids of up to 16 bytes are packed into two
/// words and kept in an open-addressing table with a cheap multiplicative hash; longer ids
/// go to an ordinary `Set`.
struct RowKeySet {
    private struct Slot {
        var head: UInt64
        var tail: UInt64
        var window: Int64
        /// Id length + 1; 0 marks an empty slot.
        var tag: UInt64
    }

    private struct LongKey: Hashable {
        var id: [UInt8]
        var window: Int64
    }

    private var slots: [Slot]
    private var mask: Int
    private var packedCount = 0
    private var longKeys = Set<LongKey>()

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(head: 0, tail: 0, window: 0, tag: 0), count: size)
        mask = size - 1
    }

    /// Inserts the key of `id` (`length` bytes) and `window`; returns `false` if it was present.
    mutating func insert(id: UnsafePointer<UInt8>, length: Int, window: Int64) -> Bool {
        if length > 16 {
            return longKeys.insert(LongKey(id: Array(UnsafeBufferPointer(start: id, count: length)), window: window)).inserted
        }
        var head: UInt64 = 0
        var tail: UInt64 = 0
        for i in 0..<length {
            if i < 8 {
                head |= UInt64(id[i]) << (8 * UInt64(i))
            } else {
                tail |= UInt64(id[i]) << (8 * UInt64(i - 8))
            }
        }
        if (packedCount + 1) * 2 > slots.count { grow() }
        let key = Slot(head: head, tail: tail, window: window, tag: UInt64(length) + 1)
        let inserted = slots.withUnsafeMutableBufferPointer { Self.place(key, in: $0, mask: mask) }
        if inserted { packedCount += 1 }
        return inserted
    }

    private static func hash(_ key: Slot) -> UInt64 {
        var h = key.head &* 0x9e37_79b9_7f4a_7c15
        h ^= key.tail &* 0xc2b2_ae3d_27d4_eb4f
        h ^= UInt64(bitPattern: key.window) &* 0x1656_67b1_9e37_79f9
        h ^= key.tag
        h ^= h >> 29
        h &*= 0xbf58_476d_1ce4_e5b9
        return h ^ (h >> 32)
    }

    /// Linear probing; returns `false` if an equal key is already there.
    private static func place(_ key: Slot, in table: UnsafeMutableBufferPointer<Slot>, mask: Int) -> Bool {
        var i = Int(truncatingIfNeeded: hash(key)) & mask
        while true {
            let slot = table[i]
            if slot.tag == 0 {
                table[i] = key
                return true
            }
            if slot.tag == key.tag && slot.head == key.head && slot.tail == key.tail && slot.window == key.window {
                return false
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        let size = old.count * 2
        slots = [Slot](repeating: Slot(head: 0, tail: 0, window: 0, tag: 0), count: size)
        mask = size - 1
        let newMask = mask
        slots.withUnsafeMutableBufferPointer { table in
            for slot in old where slot.tag != 0 {
                _ = Self.place(slot, in: table, mask: newMask)
            }
        }
    }
}
