import Foundation
import Testing
import SluiceML

/// Page-Hinkley on streams with known change points.
///
/// Documented bounds, seeds 1...20, change at t = 5000 of 10 000 values:
/// - defaults (δ 0.005, λ 50), Bernoulli error rate 0.1 → 0.4: detected within
///   300 values (measured: 66–196);
/// - δ 0.25, λ 25 (the defaults scaled for a unit-variance feature), Gaussian
///   mean 0 → 1: within 100 values (measured: 15–43);
/// - 20 000 stationary values: no false alarm with the defaults on Bernoulli(0.1),
///   nor with δ 0.25, λ 25 on N(0, 1). (The defaults on N(0, 1) do raise false
///   alarms, ~28 per 100 000 values: λ = 50 is too low for unit variance; see the type's documentation.)
@Suite struct PageHinkleyTests {
    static let seeds: [UInt64] = Array(1...20)
    static let unitScale = PageHinkley(delta: 0.25, threshold: 25)

    @Test(arguments: seeds)
    func detectsErrorRateIncrease(seed: UInt64) throws {
        var ph = PageHinkley()
        let first = try #require(ph.driftOffsets(in: driftStream(seed: seed, .bernoulli(0.1), .bernoulli(0.4))).first)
        #expect(first >= 5_000, "false alarm before the change at \(first)")
        #expect(first - 5_000 <= 300)
    }

    @Test(arguments: seeds)
    func detectsGaussianMeanShift(seed: UInt64) throws {
        var ph = Self.unitScale
        let values = driftStream(seed: seed, .gaussian(mean: 0, standardDeviation: 1), .gaussian(mean: 1, standardDeviation: 1))
        let first = try #require(ph.driftOffsets(in: values).first)
        #expect(first >= 5_000, "false alarm before the change at \(first)")
        #expect(first - 5_000 <= 100)
    }

    @Test(arguments: seeds)
    func noFalseAlarmOnStationaryStreams(seed: UInt64) {
        var errors = PageHinkley()
        #expect(errors.driftOffsets(in: driftStream(seed: seed, .bernoulli(0.1), count: 20_000)).isEmpty)
        var feature = Self.unitScale
        #expect(feature.driftOffsets(in: driftStream(seed: seed, .gaussian(mean: 0, standardDeviation: 1), count: 20_000)).isEmpty)
    }

    @Test func directionSelectsWhichChangesAreReported() throws {
        let down = driftStream(seed: 4, .gaussian(mean: 0, standardDeviation: 1), .gaussian(mean: -1, standardDeviation: 1))
        let up = driftStream(seed: 4, .gaussian(mean: 0, standardDeviation: 1), .gaussian(mean: 1, standardDeviation: 1))
        func first(_ direction: PageHinkley.Direction, _ values: [Double]) -> Int? {
            var ph = PageHinkley(delta: 0.25, threshold: 25, direction: direction)
            return ph.driftOffsets(in: values).first
        }
        #expect(first(.increase, down) == nil)
        #expect(first(.decrease, up) == nil)
        let decrease = try #require(first(.decrease, down))
        #expect((5_000...5_100).contains(decrease))
        #expect(first(.both, down) == decrease)
        #expect(first(.both, up) == first(.increase, up))
        #expect(first(.increase, up) != nil)
    }

    @Test func restartsAfterADriftAndCountsDetections() {
        var ph = PageHinkley(minInstances: 10, delta: 0, threshold: 5)
        var signals: [DriftSignal] = []
        for _ in 0..<20 { signals.append(ph.update(0)) }
        for _ in 0..<10 { signals.append(ph.update(1)) }
        let drift = signals.firstIndex(of: .drift)
        #expect(drift != nil)
        #expect(signals.allSatisfy { $0 != .warning })
        #expect(ph.detectionCount == 1)
        #expect(ph.count < 10, "statistics restarted at the drift")
    }

    @Test func needsMinInstancesBeforeSignalling() {
        var ph = PageHinkley(minInstances: 30, delta: 0, threshold: 1)
        let values = Array(repeating: 0.0, count: 5) + Array(repeating: 10.0, count: 24)
        #expect(ph.driftOffsets(in: values).isEmpty)
        #expect(ph.update(10) == .drift)
    }

    @Test func resetGivesAFreshDetector() {
        let values = driftStream(seed: 6, .bernoulli(0.1), .bernoulli(0.4))
        var used = PageHinkley(direction: .both)
        _ = driftSignals(&used, values)
        #expect(used.detectionCount > 0)
        used.reset()
        var fresh = PageHinkley(direction: .both)
        #expect(used == fresh)
        #expect(driftSignals(&used, values) == driftSignals(&fresh, values))
    }

    @Test func codableRoundTripContinuesIdentically() throws {
        let values = driftStream(seed: 12, .bernoulli(0.1), .bernoulli(0.4), at: 3_000, count: 12_000)
        var original = PageHinkley()
        _ = driftSignals(&original, Array(values[..<4_000]))
        var restored = try driftJSONRoundTrip(original)
        #expect(restored == original)
        let tail = Array(values[4_000...])
        let expected = driftSignals(&original, tail)
        #expect(driftSignals(&restored, tail) == expected)
        #expect(expected.contains(.drift))
        #expect(restored == original)
    }
}
