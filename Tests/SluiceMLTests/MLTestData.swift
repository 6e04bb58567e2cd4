import Sluice
@testable import SluiceML
#if canImport(Glibc)
import Glibc
#endif

/// Deterministic data for the model, metric and evaluator tests (kept in one
/// namespace so it cannot collide with other test files of this target).
enum MLTestData {
    /// SplitMix64, with Gaussian draws (Box–Muller).
    struct Random: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
        mutating func gaussian() -> Double {
            let u = max(uniform(), 1e-300), v = uniform()
            return sqrt(-2 * log(u)) * cos(2 * Double.pi * v)
        }
    }

    /// `n` rows of `d` standard-normal features, row-major.
    static func gaussianRows(_ n: Int, _ d: Int, seed: UInt64, mean: Double = 0, std: Double = 1) -> [Double] {
        var rng = Random(seed: seed)
        return (0..<(n * d)).map { _ in mean + std * rng.gaussian() }
    }

    /// Labels drawn from a logistic model `P(1) = σ(w·x + b)`.
    static func logisticLabels(_ rows: [Double], weights: [Double], intercept: Double, seed: UInt64) -> [Int32] {
        var rng = Random(seed: seed)
        let d = weights.count
        return (0..<(rows.count / d)).map { i in
            var z = intercept
            for j in 0..<d { z += weights[j] * rows[i * d + j] }
            return rng.uniform() < 1 / (1 + exp(-z)) ? 1 : 0
        }
    }

    /// Labels drawn from a softmax model with weight rows `weights` and `intercepts`.
    static func softmaxLabels(_ rows: [Double], weights: [[Double]], intercepts: [Double], seed: UInt64) -> [Int32] {
        var rng = Random(seed: seed)
        let d = weights[0].count, k = weights.count
        return (0..<(rows.count / d)).map { i in
            var logits = (0..<k).map { c in intercepts[c] + (0..<d).reduce(0.0) { $0 + weights[c][$1] * rows[i * d + $1] } }
            let top = logits.max()!
            logits = logits.map { exp($0 - top) }
            let total = logits.reduce(0, +)
            var u = rng.uniform() * total
            for c in 0..<k {
                u -= logits[c]
                if u < 0 { return Int32(c) }
            }
            return Int32(k - 1)
        }
    }

    /// Targets `w·x + b + noise`.
    static func linearTargets(_ rows: [Double], weights: [Double], intercept: Double, noise: Double, seed: UInt64) -> [Double] {
        var rng = Random(seed: seed)
        let d = weights.count
        return (0..<(rows.count / d)).map { i in
            var y = intercept
            for j in 0..<d { y += weights[j] * rows[i * d + j] }
            return y + noise * rng.gaussian()
        }
    }

    /// A batch with `rows` (one `Value` per field), every row selected.
    static func batch(_ schema: Schema, _ rows: [[Value]]) -> Batch {
        let batch = Batch(schema: schema, capacity: max(rows.count, 1))
        for (r, row) in rows.enumerated() {
            for (slot, value) in row.enumerated() {
                precondition(value.store(into: batch.columns[slot], row: r, arena: batch.arena), "\(value) does not fit \(schema.fields[slot])")
            }
        }
        batch.count = rows.count
        batch.selectAll()
        return batch
    }

    /// The same `Double`s, bit for bit (unlike `==`, tells -0.0 from 0.0 and NaN from NaN).
    static func identical(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}
