import Foundation
import Sluice
import Testing
@testable import SluiceML

/// Test-then-train: each row is scored by the model from before it, then
/// learned; batches go through the extractor; mini-batch chunks.
@Suite struct PrequentialEvaluatorTests {
    @Test func predictsBeforeLearningEachRow() {
        let d = 3, n = 500
        let rows = MLTestData.gaussianRows(n, d, seed: 1, mean: 2, std: 3)
        let labels = MLTestData.logisticLabels(rows, weights: [1, -1, 0.5], intercept: 0, seed: 2)
        let evaluator = PrequentialEvaluator(model: LogisticRegression(featureCount: d), windowSize: 50)
        rows.withUnsafeBufferPointer { r in labels.withUnsafeBufferPointer { evaluator.process(rows: r, labels: $0) } }

        // The same by hand.
        var model = LogisticRegression(featureCount: d)
        var metrics = ClassificationMetrics(classCount: 2, windowSize: 50)
        var firstLoss: Double?
        for i in 0..<n {
            let x = Array(rows[(i * d)..<((i + 1) * d)])
            let p = model.predictProbabilities(x)
            if i == 0 { firstLoss = -log(p[Int(labels[0])]) }
            metrics.update(probabilities: p, label: Int(labels[i]))
            model.learn(x, label: Int(labels[i]))
        }
        #expect(firstLoss == log(2.0))  // the untrained model says 0.5 before it learns row 1
        #expect(evaluator.model == model)
        let report = evaluator.report
        #expect(report.rows == n)
        #expect(report.accuracy == MetricValue(overall: metrics.accuracy.value, window: metrics.accuracy.windowValue))
        #expect(report.logLoss == MetricValue(overall: metrics.logLoss.value, window: metrics.logLoss.windowValue))
        #expect(report.rocAUC?.overall == metrics.rocAUC!.value)
        #expect(report.accuracy!.overall! > 0.7)
        #expect(report.meanAbsoluteError == nil)
    }

    @Test func batchesGoThroughTheExtractor() throws {
        let schema = Schema([Field("a", .float64), Field("b", .int64), Field("label", .bool)])
        var rng = MLTestData.Random(seed: 3)
        var values: [[Value]] = []
        for i in 0..<300 {
            let a = rng.gaussian(), b = Int64(rng.next() % 5)
            let label = a + 0.3 * Double(b) + 0.5 * rng.gaussian() > 0.6
            values.append([i % 50 == 7 ? nil : .double(a), .int(b), i % 60 == 9 ? nil : .bool(label)])
        }
        let classes = ClassLabels([false, true])
        let extractor = FeatureExtractor(features: ["a", "b"], target: .classification(column: "label", classes: classes))
        let evaluator = PrequentialEvaluator(model: LogisticRegression(featureCount: 2, classes: classes), extractor: extractor, windowSize: 100)
        for start in stride(from: 0, to: 300, by: 64) {
            try evaluator.process(MLTestData.batch(schema, Array(values[start..<min(start + 64, 300)])))
        }
        let skipped = 6 + 5  // null 'a' at 7, 57, …, 257; null label at 9, 69, …, 249
        #expect(evaluator.report.skippedRows == skipped)
        #expect(evaluator.report.rows == 300 - skipped)

        // Same rows as buffers.
        var rows: [Double] = [], labels: [Int32] = []
        for (i, v) in values.enumerated() where i % 50 != 7 && i % 60 != 9 {
            rows += [v[0].doubleValue!, v[1].doubleValue!]
            if case .bool(let b) = v[2] { labels.append(b ? 1 : 0) }
        }
        let direct = PrequentialEvaluator(model: LogisticRegression(featureCount: 2, classes: classes), windowSize: 100)
        rows.withUnsafeBufferPointer { r in labels.withUnsafeBufferPointer { direct.process(rows: r, labels: $0) } }
        #expect(direct.model == evaluator.model)
        var expected = direct.report
        expected.skippedRows = skipped
        #expect(evaluator.report == expected)
    }

    @Test func chunksArePredictedThenLearnedAsOneMiniBatch() {
        let d = 2, n = 103, b = 10
        let rows = MLTestData.gaussianRows(n, d, seed: 4)
        let labels = MLTestData.logisticLabels(rows, weights: [2, -1], intercept: 0.3, seed: 5)
        let evaluator = PrequentialEvaluator(model: LogisticRegression(featureCount: d, classes: ClassLabels(count: 2)), windowSize: 20, learningBatchSize: b)
        rows.withUnsafeBufferPointer { r in labels.withUnsafeBufferPointer { evaluator.process(rows: r, labels: $0) } }

        var model = LogisticRegression(featureCount: d)
        var metrics = ClassificationMetrics(classCount: 2, windowSize: 20)
        rows.withUnsafeBufferPointer { r in
            labels.withUnsafeBufferPointer { l in
                for start in stride(from: 0, to: n, by: b) {
                    let end = min(start + b, n)
                    for i in start..<end { metrics.update(probabilities: model.predictProbabilities(Array(r[(i * d)..<((i + 1) * d)])), label: Int(l[i])) }
                    model.learn(rows: UnsafeBufferPointer(rebasing: r[(start * d)..<(end * d)]), labels: UnsafeBufferPointer(rebasing: l[start..<end]))
                }
            }
        }
        #expect(evaluator.model == model)
        #expect(evaluator.report.logLoss == MetricValue(overall: metrics.logLoss.value, window: metrics.logLoss.windowValue))
    }

    @Test func regressionOnAStream() throws {
        let schema = Schema([Field("x1", .float64), Field("x2", .float64), Field("y", .float64)])
        let d = 2, n = 4000
        let rows = MLTestData.gaussianRows(n, d, seed: 6, mean: 10, std: 2)
        let targets = MLTestData.linearTargets(rows, weights: [3, -2], intercept: 1, noise: 0.1, seed: 7)
        let extractor = FeatureExtractor(features: ["x1", "x2"], target: .regression(column: "y"))
        let evaluator = PrequentialEvaluator(model: LinearRegression(featureCount: d), extractor: extractor, windowSize: 500)
        for start in stride(from: 0, to: n, by: 1000) {
            let values: [[Value]] = (start..<(start + 1000)).map { [.double(rows[$0 * d]), .double(rows[$0 * d + 1]), .double(targets[$0])] }
            try evaluator.process(MLTestData.batch(schema, values))
        }
        let report = evaluator.report
        #expect(report.rows == n)
        #expect(report.rSquared!.window! > 0.99)
        #expect(report.rootMeanSquaredError!.window! < 0.3)
        #expect(report.rootMeanSquaredError!.window! < report.rootMeanSquaredError!.overall!)
        #expect(report.accuracy == nil)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"rSquared\""))
    }
}
