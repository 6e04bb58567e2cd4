import Foundation

/// Draws ranks `0..<n` with probability proportional to `1 / (rank + 1)^s`
/// (Zipf's law): a few keys are very hot and most are rare, like sensor ids,
/// customers or URLs in real streams. Deterministic for a seed (SplitMix64),
/// so benchmark inputs are reproducible.
struct ZipfSampler {
    let n: Int
    let exponent: Double
    /// cumulative[i] = P(rank <= i).
    private let cumulative: [Double]
    private var state: UInt64

    init(n: Int, exponent: Double, seed: UInt64) {
        precondition(n > 0 && exponent >= 0)
        self.n = n
        self.exponent = exponent
        var sums = [Double](repeating: 0, count: n)
        var total = 0.0
        for i in 0..<n {
            total += 1 / pow(Double(i + 1), exponent)
            sums[i] = total
        }
        cumulative = sums.map { $0 / total }
        state = seed
    }

    /// The next 64 random bits.
    mutating func nextBits() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<1`.
    mutating func uniform() -> Double { Double(nextBits() >> 11) / Double(1 << 53) }

    /// The next rank: 0 is the most frequent.
    mutating func next() -> Int {
        let u = uniform()
        var lo = 0, hi = n - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The share of draws that fall on the `k` most frequent ranks: the best hit rate a cache of `k` entries can reach.
    func mass(ofTop k: Int) -> Double { k <= 0 ? 0 : cumulative[min(k, n) - 1] }
}
