import Foundation
import Testing
import SluiceML

/// The rotating hyperplane: labels follow the current weights, the drifting
/// weights move by the magnitude each row, and streams are deterministic.
@Suite struct RotatingHyperplaneTests {
    @Test func labelsFollowTheCurrentHyperplane() {
        var plane = RotatingHyperplane(seed: 4, dimensions: 5, driftingFeatures: 2, magnitude: 0.01, noise: 0)
        var positives = 0
        for _ in 0..<5_000 {
            let weights = plane.weights
            let sample = plane.nextSample()
            #expect(sample.features.count == 5)
            #expect(sample.features.allSatisfy { (0..<1).contains($0) })
            let dot = zip(weights, sample.features).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(sample.label == (dot >= 0.5 * weights.reduce(0, +) ? 1 : 0))
            #expect(sample.label == RotatingHyperplane.label(of: sample.features, weights: weights))
            positives += sample.label
        }
        #expect(positives > 2_000 && positives < 3_000, "the hyperplane splits the cube about in half")
    }

    @Test func driftingWeightsMoveByTheMagnitude() {
        var plane = RotatingHyperplane(seed: 6, dimensions: 6, driftingFeatures: 3, magnitude: 0.002, reversalProbability: 0.1)
        var reversals = 0
        for _ in 0..<2_000 {
            let before = plane.weights, directions = plane.directions
            _ = plane.nextSample()
            for i in 0..<3 { #expect(abs(abs(plane.weights[i] - before[i]) - 0.002) < 1e-12) }
            #expect(plane.weights[3...] == before[3...])
            reversals += zip(directions, plane.directions).filter { $0 != $1 }.count
        }
        #expect(abs(Double(reversals) / 6_000 - 0.1) < 0.02)
    }

    @Test func zeroMagnitudeIsStationary() {
        var plane = RotatingHyperplane(seed: 6, magnitude: 0)
        let weights = plane.weights
        _ = plane.samples(1_000)
        #expect(plane.weights == weights)
        #expect(plane.featureNames == (1...10).map { "x\($0)" })
    }

    @Test func equalSeedsGiveEqualStreams() {
        var a = RotatingHyperplane(seed: 10), b = RotatingHyperplane(seed: 10), c = RotatingHyperplane(seed: 11)
        let rows = a.samples(500)
        #expect(rows == b.samples(500))
        #expect(rows != c.samples(500))
        #expect(a == b)
        var csvA = RotatingHyperplane(seed: 10), csvB = RotatingHyperplane(seed: 10)
        #expect(csvA.csv(rows: 100) == csvB.csv(rows: 100))
        #expect(RotatingHyperplane(seed: 1, dimensions: 3).csvHeader == "x1,x2,x3,label")
    }

    @Test func noiseFlipsTheStatedShare() {
        var clean = RotatingHyperplane(seed: 2, noise: 0), noisy = RotatingHyperplane(seed: 2, noise: 0.05)
        let a = clean.samples(20_000), b = noisy.samples(20_000)
        #expect(a.map(\.features) == b.map(\.features))
        let flipped = zip(a, b).filter { $0.label != $1.label }.count
        #expect(abs(Double(flipped) / 20_000 - 0.05) < 0.008)
    }
}
