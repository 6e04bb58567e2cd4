import Testing
@testable import SluiceML
#if canImport(Glibc)
import Glibc
#endif

/// MAE, RMSE and R² against hand-computed values, overall and windowed, and
/// a rolling mean that does not drift over a long stream.
@Suite struct RegressionMetricsTests {
    @Test func metricsByHand() {
        var m = RegressionMetrics(windowSize: 3)
        let pairs: [(prediction: Double, target: Double)] = [(2.5, 3), (0, -0.5), (2, 2), (8, 7)]
        for p in pairs { m.update(prediction: p.prediction, target: p.target) }
        // Errors 0.5, 0.5, 0, 1.
        #expect(m.meanAbsoluteError.value == 2.0 / 4)
        #expect(m.rootMeanSquaredError.value == sqrt(1.5 / 4))
        // Targets 3, -0.5, 2, 7: mean 2.875, SST = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875.
        #expect(abs(m.rSquared.value! - (1 - 1.5 / 29.1875)) < 1e-15)
        // Window: the last three rows. Targets -0.5, 2, 7: mean 17/6, SST = 29.1666…; SSE = 1.25.
        #expect(m.meanAbsoluteError.windowValue == 1.5 / 3)
        #expect(abs(m.rootMeanSquaredError.windowValue! - sqrt(1.25 / 3)) < 1e-15)
        let mean = 8.5 / 3
        let sst = [-0.5, 2, 7].reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        #expect(abs(m.rSquared.windowValue! - (1 - 1.25 / sst)) < 1e-12)
        #expect(m.rows == 4)
    }

    @Test func rSquaredIsUndefinedForConstantTargets() {
        var r = RSquared(windowSize: 5)
        r.update(prediction: 1, target: 2)
        #expect(r.value == nil)
        r.update(prediction: 1, target: 2)
        #expect(r.value == nil && r.windowValue == nil)
        r.update(prediction: 3, target: 3)
        #expect(r.value != nil && r.windowValue != nil)
    }

    @Test func windowedRSquaredSurvivesLargeOffsets() {
        // Targets near 1e9 with unit spread: naive Σy² − (Σy)²/n would lose all digits.
        var r = RSquared(windowSize: 100)
        var rng = MLTestData.Random(seed: 3)
        var targets: [Double] = [], predictions: [Double] = []
        for _ in 0..<1000 {
            let y = 1e9 + rng.gaussian()
            let p = y + 0.5 * rng.gaussian()
            r.update(prediction: p, target: y)
            targets.append(y)
            predictions.append(p)
        }
        let ys = targets.suffix(100), ps = predictions.suffix(100)
        let mean = ys.reduce(0, +) / 100
        let sst = ys.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let sse = zip(ys, ps).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        #expect(abs(r.windowValue! - (1 - sse / sst)) < 1e-6)
    }

    @Test func rollingMeanDoesNotDrift() {
        var mean = RollingMean(capacity: 7)
        var rng = MLTestData.Random(seed: 4)
        var values: [Double] = []
        for i in 0..<100_003 {
            // Huge and tiny values alternate: an uncompensated add/subtract would drift.
            let v = i % 2 == 0 ? 1e12 * rng.uniform() : 1e-3 * rng.uniform()
            mean.add(v)
            values.append(v)
        }
        let last = values.suffix(7)
        #expect(mean.values == Array(last))
        let exact = last.reduce(0, +) / 7
        #expect(abs(mean.mean! - exact) <= 1e-15 * exact)
    }
}
