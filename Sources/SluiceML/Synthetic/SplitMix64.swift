/// SplitMix64, a tiny 64-bit pseudo-random generator, used to expand one seed
/// into the state of ``Xoshiro256StarStar`` (as its authors recommend).
///
/// Steele, G. L., Lea, D. and Flood, C. H. (2014). *Fast Splittable
/// Pseudorandom Number Generators.* OOPSLA 2014, pp. 453–472.
/// <https://doi.org/10.1145/2660193.2660195>
///
/// Why our own generator: Swift's `SystemRandomNumberGenerator` cannot be
/// seeded, and synthetic streams must be identical for a given seed on every
/// platform and toolchain so that tests and benchmarks are reproducible. The
/// output sequence is fixed by the algorithm: seed 0 starts with
/// `0xE220A8397B1DCDAF`.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable, Codable {
    /// The generator's whole state.
    public private(set) var state: UInt64

    /// Creates a generator whose state is `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
