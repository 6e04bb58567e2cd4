#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The MT19937 Mersenne Twister, bit-for-bit compatible with CPython's `random.Random`.
///
/// The canonical workload (`shared/workload/gen_events.py`) is defined by the stream
/// of `random.Random(seed)`; reproducing it exactly is what lets the Swift generator write
/// byte-identical files. Seeding follows CPython's `random_seed` for an integer: the key
/// passed to `init_by_array` is the 32-bit little-endian chunks of `abs(seed)` (`[0]` for 0).
/// ``random()`` is `genrand_res53` and ``gauss(mu:sigma:)`` is `Random.gauss`, including
/// the cached second Box-Muller value, using the platform libm (as CPython does).
///
/// A value type: copying a generator forks the stream.
public struct MersenneTwister: Sendable {
    private static let n = 624
    private static let m = 397

    private var state: [UInt32]
    private var index: Int
    private var gaussNext: Double?

    /// Seeds like `random.Random(seed)` with a non-negative integer seed.
    public init(seed: UInt64) {
        let low = UInt32(truncatingIfNeeded: seed)
        let high = UInt32(truncatingIfNeeded: seed >> 32)
        self.init(key: high == 0 ? [low] : [low, high])
    }

    /// Seeds with MT19937's `init_by_array(key)`; `key` must not be empty.
    ///
    /// CPython seeds an integer `s` with the 32-bit chunks of `abs(s)`, least significant first.
    public init(key: [UInt32]) {
        precondition(!key.isEmpty, "MT19937 init_by_array needs at least one key word")
        let n = Self.n
        var mt = [UInt32](repeating: 0, count: n)
        mt[0] = 19_650_218
        for i in 1..<n {
            mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
        var i = 1
        var j = 0
        for _ in 0..<max(n, key.count) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(truncatingIfNeeded: j)
            i += 1
            j += 1
            if i >= n { mt[0] = mt[n - 1]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<(n - 1) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= n { mt[0] = mt[n - 1]; i = 1 }
        }
        mt[0] = 0x8000_0000
        state = mt
        index = n
        gaussNext = nil
    }

    /// The next 32-bit output (`genrand_uint32`, CPython's `getrandbits(32)`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= Self.n { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// A double uniform in [0, 1) with 53 random bits: CPython's `random()` (`genrand_res53`).
    public mutating func random() -> Double {
        let a = nextUInt32() >> 5
        let b = nextUInt32() >> 6
        return (Double(a) * 67_108_864.0 + Double(b)) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A normal deviate: CPython's `Random.gauss(mu, sigma)`.
    ///
    /// Box-Muller on two ``random()`` draws gives two deviates; the second is cached and
    /// returned by the next call (CPython's `gauss_next`), so calls alternate between
    /// consuming two uniforms and consuming none.
    public mutating func gauss(mu: Double, sigma: Double) -> Double {
        let z: Double
        if let cached = gaussNext {
            z = cached
            gaussNext = nil
        } else {
            let x2pi = random() * (2.0 * Double.pi)
            let g2rad = sqrt(-2.0 * log(1.0 - random()))
            z = cos(x2pi) * g2rad
            gaussNext = sin(x2pi) * g2rad
        }
        return mu + z * sigma
    }

    private mutating func twist() {
        let n = Self.n
        let m = Self.m
        state.withUnsafeMutableBufferPointer { buffer in
            let mt = buffer.baseAddress!
            @inline(__always) func mixed(_ upper: UInt32, _ lower: UInt32) -> UInt32 {
                let y = (upper & 0x8000_0000) | (lower & 0x7fff_ffff)
                return (y >> 1) ^ ((0 &- (y & 1)) & 0x9908_b0df)
            }
            var k = 0
            while k < n &- m {
                mt[k] = mt[k &+ m] ^ mixed(mt[k], mt[k &+ 1])
                k &+= 1
            }
            while k < n &- 1 {
                mt[k] = mt[k &+ m &- n] ^ mixed(mt[k], mt[k &+ 1])
                k &+= 1
            }
            mt[n - 1] = mt[m - 1] ^ mixed(mt[n - 1], mt[0])
        }
        index = 0
    }
}
