/// 64-bit FNV-1a: a cheap fingerprint of file bytes for python-free byte-identity tests.
enum FNV1a {
    static func hash64<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
