import Foundation
import Testing
import SluiceML

// Shared helpers for the drift-detector suites.

/// Every signal `detector` returns for `values`, in order.
func driftSignals<D: DriftDetector>(_ detector: inout D, _ values: [Double]) -> [DriftSignal] {
    values.map { detector.update($0) }
}

/// `count` values of a stream that switches from `before` to `after` at `changeAt` (no switch if `after` is nil).
func driftStream(seed: UInt64, _ before: ChangePointStream.Distribution, _ after: ChangePointStream.Distribution? = nil,
                  at changeAt: Int = 5_000, count: Int = 10_000) -> [Double] {
    var stream = ChangePointStream(seed: seed, before, changes: after.map { [(changeAt, $0)] } ?? [])
    return stream.values(count)
}

/// Encodes and decodes through JSON, as a model's saved state would be.
func driftJSONRoundTrip<T: Codable>(_ value: T) throws -> T {
    try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
}

/// The contract every detector shares: non-finite values are ignored, the
/// Boolean convenience feeds 1/0, and `driftOffsets` reports drift positions.
@Suite struct DriftDetectorTests {
    static let detectors: [AnyDriftDetector] = [.adwin(ADWIN()), .pageHinkley(PageHinkley()), .ddm(DDM())]

    @Test(arguments: detectors)
    func nonFiniteValuesAreIgnored(_ fresh: AnyDriftDetector) {
        var detector = fresh
        _ = driftSignals(&detector, driftStream(seed: 7, .bernoulli(0.2), count: 500))
        let before = detector
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(detector.update(value) == .none)
        }
        #expect(detector == before)
    }

    @Test(arguments: detectors)
    func booleanOutcomesAreFedAsOneAndZero(_ fresh: AnyDriftDetector) {
        let outcomes = driftStream(seed: 3, .bernoulli(0.1), .bernoulli(0.5), at: 1_000, count: 3_000)
        var byValue = fresh, byOutcome = fresh
        let expected = driftSignals(&byValue, outcomes)
        let actual = outcomes.map { byOutcome.update(isError: $0 == 1) }
        #expect(actual == expected)
        #expect(byValue == byOutcome)
    }

    @Test(arguments: detectors)
    func driftOffsetsAreThePositionsOfDriftSignals(_ fresh: AnyDriftDetector) {
        let values = driftStream(seed: 11, .bernoulli(0.1), .bernoulli(0.6), at: 2_000, count: 4_000)
        var all = fresh, b = fresh
        let perValue = driftSignals(&all, values)
        let offsets = b.driftOffsets(in: values)
        #expect(offsets == perValue.indices.filter { perValue[$0] == .drift })
        #expect(!offsets.isEmpty)
    }

    @Test func signalsHaveStableNames() throws {
        #expect(DriftSignal.allCases.map(\.description) == ["none", "warning", "drift"])
        #expect(try driftJSONRoundTrip([DriftSignal.warning]) == [.warning])
    }
}
