import Testing
@testable import SluiceWorkload

/// Reference values printed by CPython's `math.fsum`.
struct ExactSumTests {
    @Test func matchesMathFsum() {
        #expect(ExactSum(Array(repeating: 0.1, count: 10)).value == 1.0)
        #expect(ExactSum([1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50]).value == 1e-100)
        // half-even rounding across partials
        #expect(ExactSum([1.0, 0x1p-53, 0x1p-106]).value == 1.0000000000000002)
        #expect(ExactSum([0x1p53, -0.5, -0x1p-54]).value == 9007199254740991.0)
        #expect(ExactSum([0x1p53, 1.0, 0x1p-100]).value == 9007199254740994.0)
        #expect(ExactSum([0.3, 0.2, 0.1, -0.6]).value == 2.7755575615628914e-17)
        #expect(ExactSum([-0.0]).value == 0.0)
        #expect(ExactSum([]).value == 0.0)
    }

    @Test func isOrderIndependent() {
        let values: [Double] = (0..<1000).map { (i: Int) -> Double in
            let step: Double = Double(i % 37) * 0.1
            return step - 1.7 + 1e-9 * Double(i)
        }
        let forward = ExactSum(values).value
        #expect(ExactSum(values.reversed()).value == forward)
        #expect(ExactSum(values.sorted { $0.magnitude < $1.magnitude }).value == forward)
    }

    @Test func handlesNonFiniteValuesLikeCPython() {
        #expect(ExactSum([1.0, .infinity, 2.0]).value == .infinity)
        #expect(ExactSum([.infinity, -.infinity]).value.isNaN)
        #expect(ExactSum([1.0, .nan]).value.isNaN)
        #expect(ExactSum([Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude]).value.isNaN)
    }

    @Test func resetEmptiesTheSum() {
        var sum = ExactSum([1.5, 2.5])
        sum.reset()
        sum.add(0.25)
        #expect(sum.value == 0.25)
    }
}
