import Foundation
import Testing
@testable import SluiceML

/// Welford statistics, the before-learning transform, and mini-batch learning
/// that is bit-identical to one row at a time.
@Suite struct OnlineStandardScalerTests {
    @Test func statisticsMatchTheDirectComputation() {
        let d = 3, n = 500
        let rows = MLTestData.gaussianRows(n, d, seed: 1, mean: 50, std: 7)
        var scaler = OnlineStandardScaler(featureCount: d)
        rows.withUnsafeBufferPointer { scaler.learn(rows: $0) }
        #expect(scaler.count == n)
        for j in 0..<d {
            let column = (0..<n).map { rows[$0 * d + j] }
            let mean = column.reduce(0, +) / Double(n)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            #expect(abs(scaler.means[j] - mean) < 1e-10)
            #expect(abs(scaler.variances[j] - variance) / variance < 1e-10)
        }
    }

    @Test func transformUsesTheStatisticsBeforeTheRow() {
        var scaler = OnlineStandardScaler(featureCount: 2)
        // Nothing learned: zero variance transforms to 0.
        #expect(scaler.transform([5, -3]) == [0, 0])
        scaler.learn([1, 10])
        scaler.learn([3, 10])
        // mean (2, 10), population variance (1, 0): the constant feature stays 0.
        #expect(scaler.transform([4, 12]) == [2, 0])
        // Transforming does not learn.
        #expect(scaler.count == 2 && scaler.means == [2, 10])
    }

    @Test func miniBatchLearningIsIdenticalToOneAtATime() {
        let d = 4, n = 1000
        let rows = MLTestData.gaussianRows(n, d, seed: 2, mean: 1e6, std: 3)
        var single = OnlineStandardScaler(featureCount: d)
        var batched = OnlineStandardScaler(featureCount: d)
        rows.withUnsafeBufferPointer { all in
            for i in 0..<n { single.learn(UnsafeBufferPointer(rebasing: all[(i * d)..<((i + 1) * d)])) }
            var i = 0
            for size in [1, 7, 64, 300, 628] {
                batched.learn(rows: UnsafeBufferPointer(rebasing: all[(i * d)..<((i + size) * d)]))
                i += size
            }
            #expect(i == n)
        }
        #expect(single == batched)
        #expect(MLTestData.identical(single.means, batched.means))
        #expect(MLTestData.identical(single.variances, batched.variances))
    }

    @Test func jsonRoundTripIsExact() throws {
        var scaler = OnlineStandardScaler(featureCount: 3)
        let rows = MLTestData.gaussianRows(100, 3, seed: 3, mean: 0.1, std: 1e-3)
        rows.withUnsafeBufferPointer { scaler.learn(rows: $0) }
        let data = try JSONEncoder().encode(scaler)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"means\"") && text.contains("\"variances\"") && !text.contains("scales"))
        let back = try JSONDecoder().decode(OnlineStandardScaler.self, from: data)
        #expect(back == scaler)
        #expect(MLTestData.identical(back.scales, scaler.scales))
    }
}
