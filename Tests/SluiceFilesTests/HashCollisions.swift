import Sluice

/// Two different printable keys with the same ``LookupKey/hash(_:_:)``, to test
/// that tables and caches tell colliding keys apart.
///
/// Constructed, not searched for: the hash XORs each 8-byte word into its
/// state, so for 24-byte keys `b3 = state(a1, a2) ^ a3 ^ state(b1, b2)` makes
/// `a1a2a3` and `b1b2b3` collide; trying letters for `b2` finds a printable
/// `b3` within some 20 000 tries. (With 16-byte keys the last word's halves
/// are coupled through the hash's xorshift and no printable one exists.)
/// Mirrors the hash's steps: if the hash changes, ``pair()`` says so.
enum HashCollisions {
    static func pair() -> (String, String) {
        func step(_ h: UInt64, _ w: UInt64) -> UInt64 {
            let m = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            return m ^ (m &>> 32)
        }
        func word(_ s: String) -> UInt64 { s.utf8.reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        func text(_ w: UInt64) -> String { String(decoding: (0..<8).map { UInt8(truncatingIfNeeded: w >> (UInt64($0) * 8)) }, as: UTF8.self) }
        func letters(_ n: UInt64) -> UInt64 {
            var w: UInt64 = 0
            var rest = n
            for i in 0..<8 {
                w |= (0x61 + rest % 26) << (UInt64(i) * 8)
                rest /= 26
            }
            return w
        }
        func printable(_ w: UInt64) -> Bool {
            (0..<8).allSatisfy { i in
                let b = UInt8(truncatingIfNeeded: w >> (UInt64(i) * 8))
                return b >= 0x30 && b <= 0x7A && b != 0x5C  // digits, letters and a few signs; no quote, comma or backslash
            }
        }
        let h0: UInt64 = 0x9E37_79B9_7F4A_7C15 &* (24 | 1)
        let a1 = word("sensor-A"), a2 = word("lpha-000"), a3 = word("00000001"), b1 = word("sensor-B")
        let stateA = step(step(h0, a1), a2)
        for n in UInt64(1)...10_000_000 {
            let b2 = letters(n)
            let b3 = stateA ^ a3 ^ step(step(h0, b1), b2)
            guard printable(b3) else { continue }
            let a = text(a1) + text(a2) + text(a3), b = text(b1) + text(b2) + text(b3)
            precondition(hashOf(a) == hashOf(b), "LookupKey.hash changed: update HashCollisions")
            return (a, b)
        }
        preconditionFailure("no printable collision found: LookupKey.hash changed? update HashCollisions")
    }

    static func hashOf(_ s: String) -> UInt64 {
        var s = s
        return s.withUTF8 { LookupKey.hash(UnsafeRawPointer($0.baseAddress), $0.count) }
    }
}
