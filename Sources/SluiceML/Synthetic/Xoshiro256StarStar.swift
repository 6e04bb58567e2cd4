import Foundation

/// xoshiro256**, a fast all-purpose 64-bit pseudo-random generator with a
/// 256-bit state, seeded through ``SplitMix64``: the random source of the
/// synthetic streams.
///
/// Blackman, D. and Vigna, S. (2021). *Scrambled Linear Pseudorandom Number
/// Generators.* ACM Transactions on Mathematical Software 47(4), article 36.
/// <https://doi.org/10.1145/3460772>
///
/// The bit sequence for a seed is fixed by the algorithm, and so are
/// ``nextUniform()`` (53 bits → [0, 1)) and ``nextBernoulli(_:)``.
/// ``nextGaussian(mean:standardDeviation:)`` uses `log`, `sin` and `cos` from
/// the C library, whose last bit may in principle differ between platforms.
/// The state is `Codable`, so a paused stream can be saved and resumed.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Hashable, Codable {
    private var s0, s1, s2, s3: UInt64

    /// Creates a generator whose state is the first four outputs of ``SplitMix64`` seeded with `seed`.
    public init(seed: UInt64) {
        var mix = SplitMix64(seed: seed)
        s0 = mix.next(); s1 = mix.next(); s2 = mix.next(); s3 = mix.next()
    }

    /// Creates a generator with this exact state (for reference vectors).
    /// - Precondition: not all four words are zero (the all-zero state only produces zeros).
    public init(state s0: UInt64, _ s1: UInt64, _ s2: UInt64, _ s3: UInt64) {
        precondition(s0 | s1 | s2 | s3 != 0, "Xoshiro256StarStar: the state must not be all zero")
        self.s0 = s0; self.s1 = s1; self.s2 = s2; self.s3 = s3
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform double in [0, 1), from the top 53 bits of ``next()``.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform double in `[lower, upper)`.
    public mutating func nextUniform(in lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUniform()
    }

    /// `true` with probability `p` (one ``nextUniform()`` draw, `u < p`).
    public mutating func nextBernoulli(_ p: Double) -> Bool {
        nextUniform() < p
    }

    /// A normally distributed double (Box–Muller; two ``nextUniform()`` draws per call).
    public mutating func nextGaussian(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        let u1 = 1 - nextUniform()  // (0, 1]: log is finite
        let u2 = nextUniform()
        return mean + standardDeviation * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
