/// SipHash-2-4 (Aumasson & Bernstein): a fast keyed hash, a pseudorandom function under its 128-bit
/// key. What `anonymize`'s `hash` uses: unlike a plain hash, nobody without the key can check a
/// guessed value against a hashed one.
struct SipHash24 {
    let k0: UInt64, k1: UInt64

    init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    /// A key derived from a salt string (two SipHash passes under fixed keys).
    init(salt: String) {
        let bytes = Array(salt.utf8)
        let a = SipHash24(k0: 0x736f_6d65_7073_6575, k1: 0x646f_7261_6e64_6f6d)
        let b = SipHash24(k0: 0x6c79_6765_6e65_7261, k1: 0x7465_6462_7974_6573)
        k0 = bytes.withUnsafeBytes { a.hash($0) }
        k1 = bytes.withUnsafeBytes { b.hash($0) }
    }

    @inline(__always)
    private static func round(_ v0: inout UInt64, _ v1: inout UInt64, _ v2: inout UInt64, _ v3: inout UInt64) {
        v0 &+= v1; v1 = (v1 << 13) | (v1 >> 51); v1 ^= v0; v0 = (v0 << 32) | (v0 >> 32)
        v2 &+= v3; v3 = (v3 << 16) | (v3 >> 48); v3 ^= v2
        v0 &+= v3; v3 = (v3 << 21) | (v3 >> 43); v3 ^= v0
        v2 &+= v1; v1 = (v1 << 17) | (v1 >> 47); v1 ^= v2; v2 = (v2 << 32) | (v2 >> 32)
    }

    func hash(_ data: UnsafeRawBufferPointer) -> UInt64 {
        var v0 = k0 ^ 0x736f_6d65_7073_6575, v1 = k1 ^ 0x646f_7261_6e64_6f6d
        var v2 = k0 ^ 0x6c79_6765_6e65_7261, v3 = k1 ^ 0x7465_6462_7974_6573
        let n = data.count
        var i = 0
        while i + 8 <= n {
            let m = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            v3 ^= m
            Self.round(&v0, &v1, &v2, &v3)
            Self.round(&v0, &v1, &v2, &v3)
            v0 ^= m
            i += 8
        }
        var last = UInt64(truncatingIfNeeded: n) << 56
        var shift: UInt64 = 0
        while i < n {
            last |= UInt64(data[i]) << shift
            shift += 8
            i += 1
        }
        v3 ^= last
        Self.round(&v0, &v1, &v2, &v3)
        Self.round(&v0, &v1, &v2, &v3)
        v0 ^= last
        v2 ^= 0xff
        for _ in 0..<4 { Self.round(&v0, &v1, &v2, &v3) }
        return v0 ^ v1 ^ v2 ^ v3
    }
}
