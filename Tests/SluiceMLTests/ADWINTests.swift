import Foundation
import Testing
import SluiceML

/// ADWIN on streams with known change points.
///
/// Documented bounds (defaults: δ = 0.002, clock 32), seeds 1...20, change at
/// t = 5000 of 10 000 values:
/// - Bernoulli error rate 0.1 → 0.4: detected within 250 values (measured: 55–119;
///   the clock makes every delay ≡ 23 mod 32 here);
/// - Gaussian mean 0 → 1 (σ = 1): within 150 values (measured: 23–55);
/// - 20 000 stationary values, Bernoulli(0.1) or N(0, 1): no false alarm
///   (over seeds 1...100, N(0, 1) gave 2 false alarms in 2 M values, Bernoulli none).
@Suite struct ADWINTests {
    static let seeds: [UInt64] = Array(1...20)

    func firstDrift(_ values: [Double], after start: Int = 0) -> Int? {
        var adwin = ADWIN()
        return adwin.driftOffsets(in: values).first { $0 >= start }
    }

    @Test(arguments: seeds)
    func detectsErrorRateIncrease(seed: UInt64) throws {
        let values = driftStream(seed: seed, .bernoulli(0.1), .bernoulli(0.4))
        var adwin = ADWIN()
        let drifts = adwin.driftOffsets(in: values)
        let first = try #require(drifts.first)
        #expect(first >= 5_000, "false alarm before the change at \(first)")
        #expect(first - 5_000 <= 250)
    }

    @Test(arguments: seeds)
    func detectsGaussianMeanShift(seed: UInt64) throws {
        let values = driftStream(seed: seed, .gaussian(mean: 0, standardDeviation: 1), .gaussian(mean: 1, standardDeviation: 1))
        var adwin = ADWIN()
        let first = try #require(adwin.driftOffsets(in: values).first)
        #expect(first >= 5_000, "false alarm before the change at \(first)")
        #expect(first - 5_000 <= 150)
    }

    @Test(arguments: seeds)
    func detectsDecreasesToo(seed: UInt64) throws {
        let values = driftStream(seed: seed, .bernoulli(0.4), .bernoulli(0.1))
        var adwin = ADWIN()
        let first = try #require(adwin.driftOffsets(in: values).first)
        #expect((5_000...5_250).contains(first))
    }

    @Test(arguments: seeds)
    func noFalseAlarmOnStationaryStreams(seed: UInt64) {
        for distribution in [ChangePointStream.Distribution.bernoulli(0.1), .gaussian(mean: 0, standardDeviation: 1)] {
            var adwin = ADWIN()
            let values = driftStream(seed: seed, distribution, count: 20_000)
            #expect(adwin.driftOffsets(in: values).isEmpty, "\(distribution)")
            #expect(adwin.width == 20_000)
            #expect(adwin.detectionCount == 0)
        }
    }

    @Test func windowShrinksAfterDriftAndTracksTheNewMean() throws {
        let values = driftStream(seed: 42, .bernoulli(0.1), .bernoulli(0.4))
        var adwin = ADWIN()
        var widthBefore = 0
        var firstDrift: Int?
        for (t, value) in values.enumerated() {
            let width = adwin.width
            if adwin.update(value) == .drift, firstDrift == nil {
                firstDrift = t
                widthBefore = width + 1
                #expect(adwin.width < widthBefore, "a drift drops the older part of the window")
            }
        }
        let t = try #require(firstDrift)
        #expect(widthBefore > 5_000)
        // By the end, the window holds (almost) only the new concept, and its mean is the new error rate.
        #expect(t >= 5_000)
        #expect(adwin.width <= 5_100)
        #expect(abs(adwin.mean - 0.4) < 0.05)
    }

    @Test func statisticsMatchTheWindowWhenNothingIsDropped() {
        let values = driftStream(seed: 5, .gaussian(mean: 3, standardDeviation: 2), count: 10_000)
        var adwin = ADWIN()
        #expect(adwin.driftOffsets(in: values).isEmpty)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        #expect(adwin.width == 10_000)
        #expect(abs(adwin.mean - mean) < 1e-9)
        #expect(abs(adwin.variance - variance) < 1e-9)
        #expect(adwin.updateCount == 10_000)
    }

    @Test func memoryIsLogarithmicInTheWindow() {
        var adwin = ADWIN()
        var stream = ChangePointStream(seed: 9, .bernoulli(0.3))
        for _ in 0..<200_000 { _ = adwin.update(stream.nextValue()) }
        #expect(adwin.width == 200_000)
        // At most M buckets per row and log2(W) + 1 rows.
        let rows = Int(log2(Double(adwin.width))) + 1
        #expect(adwin.bucketCount <= adwin.maxBucketsPerRow * rows)
        #expect(adwin.bucketCount >= 2 * (rows - 3))
    }

    @Test func checksOnlyEveryClockUpdates() {
        // An extreme jump is detected at the first check after it, never in between.
        var adwin = ADWIN(clock: 32)
        let values = Array(repeating: 0.0, count: 1_000) + Array(repeating: 1.0, count: 200)
        let drifts = adwin.driftOffsets(in: values)
        #expect(!drifts.isEmpty)
        #expect(drifts.allSatisfy { ($0 + 1) % 32 == 0 })
        #expect(drifts.first! >= 1_000)

        var everyValue = ADWIN(clock: 1)
        let fast = everyValue.driftOffsets(in: values)
        #expect(fast.first! >= 1_000 && fast.first! <= drifts.first!)
    }

    @Test func resetGivesAFreshDetector() {
        let values = driftStream(seed: 2, .bernoulli(0.1), .bernoulli(0.4))
        var used = ADWIN(delta: 0.01, clock: 16)
        _ = driftSignals(&used, values)
        used.reset()
        var fresh = ADWIN(delta: 0.01, clock: 16)
        #expect(used == fresh)
        #expect(driftSignals(&used, values) == driftSignals(&fresh, values))
        #expect(used == fresh)
    }

    @Test func codableRoundTripContinuesIdentically() throws {
        let values = driftStream(seed: 8, .bernoulli(0.1), .bernoulli(0.4), at: 3_000, count: 12_000)
        var original = ADWIN()
        let head = driftSignals(&original, Array(values[..<6_000]))
        #expect(head.contains(.drift), "the saved state is taken after a drift, with a shrunk window")
        var restored = try driftJSONRoundTrip(original)
        #expect(restored == original)
        let tail = Array(values[6_000...])
        #expect(driftSignals(&restored, tail) == driftSignals(&original, tail))
        #expect(restored == original)
    }

    @Test func corruptStateIsRejected() throws {
        let data = try JSONEncoder().encode(ADWIN())
        var json = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        json["width"] = 7  // no bucket holds these values
        let corrupt = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ADWIN.self, from: corrupt) }
        json["width"] = 0
        json["delta"] = 2.0
        let badDelta = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ADWIN.self, from: badDelta) }
    }
}
