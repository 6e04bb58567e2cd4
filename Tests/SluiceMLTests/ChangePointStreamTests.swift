import Foundation
import Testing
import SluiceML

/// The univariate reference streams: segments have the stated distributions,
/// change points are where they are declared, and seeds fix the values.
@Suite struct ChangePointStreamTests {
    @Test func segmentsHaveTheirDistributions() {
        var stream = ChangePointStream(seed: 3, .bernoulli(0.1), changes: [
            (20_000, .bernoulli(0.4)), (40_000, .gaussian(mean: 5, standardDeviation: 2)),
        ])
        #expect(stream.changePoints == [20_000, 40_000])
        let values = stream.values(60_000)
        let first = values[..<20_000], second = values[20_000..<40_000], third = values[40_000...]
        #expect(first.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(abs(first.reduce(0, +) / 20_000 - 0.1) < 0.01)
        #expect(abs(second.reduce(0, +) / 20_000 - 0.4) < 0.015)
        let mean = third.reduce(0, +) / 20_000
        let sd = (third.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 20_000).squareRoot()
        #expect(abs(mean - 5) < 0.05 && abs(sd - 2) < 0.05)
        #expect(stream.distribution(at: 19_999) == .bernoulli(0.1))
        #expect(stream.distribution(at: 20_000) == .bernoulli(0.4))
        #expect(stream.position == 60_000)
    }

    @Test func equalSeedsGiveEqualValues() throws {
        var a = ChangePointStream(seed: 1, .gaussian(mean: 0, standardDeviation: 1))
        var b = ChangePointStream(seed: 1, .gaussian(mean: 0, standardDeviation: 1))
        var c = ChangePointStream(seed: 2, .gaussian(mean: 0, standardDeviation: 1))
        let values = a.values(1_000)
        #expect(values == b.values(1_000))
        #expect(values != c.values(1_000))
        var restored = try driftJSONRoundTrip(a)
        #expect(restored.values(100) == a.values(100))
        #expect(Array(ChangePointStream(seed: 1, .bernoulli(0.5)).prefix(10)).count == 10)
    }

    @Test func distributionMoments() {
        #expect(ChangePointStream.Distribution.bernoulli(0.1).mean == 0.1)
        #expect(abs(ChangePointStream.Distribution.bernoulli(0.1).standardDeviation - 0.3) < 1e-12)
        #expect(ChangePointStream.Distribution.gaussian(mean: 1, standardDeviation: 2).standardDeviation == 2)
    }
}
