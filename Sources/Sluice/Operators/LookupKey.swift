/// The key of one lookup, borrowed from the batch being enriched.
///
/// Why not a `Value` or a `String`: the enrich operator asks for a key per
/// record, and building a `String` (allocation, UTF-8 validation, seeded
/// hashing) would cost more than the cache hit it guards. A key is an `int64`
/// or the raw UTF-8 bytes of a string in the batch's arena, plus a 64-bit
/// ``hash`` computed once and shared by the operator's cache and the table's
/// index.
///
/// Contract: the bytes of a string key are valid only during the call that
/// receives the key; a table or cache that keeps a key must copy it.
public struct LookupKey {
    public enum Storage {
        case int64(Int64)
        case string(UnsafeBufferPointer<UInt8>)
    }

    public let storage: Storage
    /// For an `int64` key, its bit pattern (exact); for a string, ``hash(_:_:)`` of its bytes.
    public let hash: UInt64

    public init(_ value: Int64) {
        storage = .int64(value)
        hash = UInt64(bitPattern: value)
    }

    /// A string key; `bytes` must stay valid while the key is used.
    public init(bytes: UnsafeBufferPointer<UInt8>) {
        storage = .string(bytes)
        hash = Self.hash(UnsafeRawPointer(bytes.baseAddress), bytes.count)
    }

    /// Calls `body` with the key for `value` (an `.int` or a `.string`); nil for other values.
    public static func with<R>(_ value: Value, _ body: (LookupKey) throws -> R) rethrows -> R? {
        switch value {
        case .int(let v): return try body(LookupKey(v))
        case .string(let s):
            var s = s
            return try s.withUTF8 { try body(LookupKey(bytes: $0)) }
        default: return nil
        }
    }

    /// The key as a `Value` (allocates a `String` for a string key): for simple tables.
    public var value: Value {
        switch storage {
        case .int64(let v): return .int(v)
        case .string(let b): return .string(String(decoding: b, as: UTF8.self))
        }
    }

    /// Whether `value` is this key (an `.int` equal to an int64 key, a `.string` with the same bytes).
    public func matches(_ value: Value) -> Bool {
        switch (storage, value) {
        case (.int64(let a), .int(let b)): return a == b
        case (.string(let a), .string(let b)):
            var b = b
            return b.withUTF8 { $0.count == a.count && Self.bytesEqual(a.baseAddress, $0.baseAddress, a.count) }
        default: return false
        }
    }

    /// Whether this is a string key with exactly these bytes.
    @inlinable
    public func matches(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard case .string(let a) = storage, a.count == bytes.count else { return false }
        return Self.bytesEqual(a.baseAddress, bytes.baseAddress, a.count)
    }

    @inlinable
    static func bytesEqual(_ a: UnsafePointer<UInt8>?, _ b: UnsafePointer<UInt8>?, _ n: Int) -> Bool {
        guard n > 0 else { return true }
        guard let a, let b else { return false }
        var i = 0
        while n &- i >= 8 {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) { return false }
            i &+= 8
        }
        while i < n {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }

    /// A 64-bit hash of `n` bytes at `p`: deterministic (unseeded) and fast, eight
    /// bytes per step. Keys of up to 8 bytes and equal length never collide (each
    /// step is a bijection of the word); longer keys collide with probability about 2⁻⁶⁴.
    @inlinable
    public static func hash(_ p: UnsafeRawPointer?, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* (UInt64(truncatingIfNeeded: n) | 1)
        if let p {
            var i = 0
            while n &- i >= 8 {
                h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
                h ^= h &>> 32
                i &+= 8
            }
            if i < n {
                var w: UInt64 = 0
                var shift: UInt64 = 0
                while i < n {
                    w |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) &<< shift
                    shift &+= 8
                    i &+= 1
                }
                h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
                h ^= h &>> 32
            }
        }
        // The splitmix64 finalizer: every input bit affects every output bit.
        h ^= h &>> 30
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h &>> 27
        h &*= 0x94D0_49BB_1331_11EB
        h ^= h &>> 31
        return h
    }
}
