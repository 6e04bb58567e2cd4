import Foundation
import Testing
@testable import Sluice

/// KLL stays within its documented rank error (±1.65 % of n at k = 200) on generated data.
@Suite struct QuantileSketchTests {
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func normal() -> Double { sqrt(-2 * log(max(unit(), 1e-300))) * cos(2 * .pi * unit()) }
    }

    static func data(_ kind: String, n: Int) -> [Double] {
        var rng = Random(state: 42)
        switch kind {
        case "uniform": return (0..<n).map { _ in rng.unit() * 1000 }
        case "normal": return (0..<n).map { _ in 21 + 8 * rng.normal() }
        case "pareto": return (0..<n).map { _ in 1 / pow(max(rng.unit(), 1e-12), 1 / 1.2) }
        case "sorted": return (0..<n).map(Double.init)
        case "reversed": return (0..<n).reversed().map(Double.init)
        default: return (0..<n).map { _ in Double(rng.next() % 20) }  // many duplicates
        }
    }

    /// The largest rank error over many quantiles: |true rank of the answer - q| (ranks as fractions of n).
    static func maxRankError(_ sketch: QuantileSketch, _ values: [Double]) -> Double {
        let sorted = values.sorted()
        var worst = 0.0
        for i in 1..<100 {
            let q = Double(i) / 100
            let answer = sketch.quantile(q)!
            // The answer's true rank range (duplicates span a range); error is the distance to q.
            let lo = Double(sorted.partitioningIndex { $0 >= answer }) / Double(sorted.count)
            let hi = Double(sorted.partitioningIndex { $0 > answer }) / Double(sorted.count)
            let err = q < lo ? lo - q : (q > hi ? q - hi : 0)
            worst = max(worst, err)
        }
        return worst
    }

    @Test(arguments: ["uniform", "normal", "pareto", "sorted", "reversed", "duplicates"])
    func rankErrorWithinTheBound(kind: String) {
        let values = Self.data(kind, n: 200_000)
        let sketch = QuantileSketch()
        for v in values { sketch.insert(v) }
        #expect(Self.maxRankError(sketch, values) <= 0.0165, "\(kind)")
        #expect(sketch.min == values.min())
        #expect(sketch.max == values.max())
        #expect(sketch.count == Int64(values.count))
        #expect(sketch.retained < 1000)
    }

    @Test func mergedPartsStayWithinTheBound() {
        let values = Self.data("normal", n: 100_000)
        let whole = QuantileSketch()
        for part in 0..<10 {
            let s = QuantileSketch()
            for v in values[(part * 10_000)..<((part + 1) * 10_000)] { s.insert(v) }
            whole.merge(s)
        }
        #expect(whole.count == 100_000)
        #expect(Self.maxRankError(whole, values) <= 0.0165)
    }

    @Test func smallInputsAreExact() {
        let s = QuantileSketch()
        for v in [5.0, 1, 3, 2, 4] { s.insert(v) }
        #expect(s.quantile(0.5) == 3)
        #expect(s.quantile(0) == 1)
        #expect(s.quantile(1) == 5)
        s.insert(.nan)
        #expect(s.count == 5)
        #expect(QuantileSketch().quantile(0.5) == nil)
    }

    @Test func codableRoundTripAnswersTheSame() throws {
        let s = QuantileSketch()
        for v in Self.data("pareto", n: 50_000) { s.insert(v) }
        let back = try JSONDecoder().decode(QuantileSketch.self, from: JSONEncoder().encode(s))
        for q in [0.01, 0.5, 0.99] { #expect(back.quantile(q) == s.quantile(q)) }
        back.insert(3)
        s.insert(3)
        #expect(back.quantile(0.9) == s.quantile(0.9))
    }

    @Test func deterministic() {
        let a = QuantileSketch(), b = QuantileSketch()
        for v in Self.data("uniform", n: 30_000) { a.insert(v); b.insert(v) }
        #expect(a.quantile(0.37) == b.quantile(0.37))
    }
}

extension Array where Element == Double {
    /// The first index whose element satisfies `predicate` (the array is partitioned by it).
    func partitioningIndex(where predicate: (Double) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if predicate(self[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
