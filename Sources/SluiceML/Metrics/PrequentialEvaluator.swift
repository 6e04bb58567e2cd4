import Sluice

/// Prequential ("test-then-train") evaluation of an online model: every row
/// is first predicted and scored, then learned.
///
/// **Why.** On a stream there is no held-out test set; prequential evaluation
/// uses each row exactly once as a test example (before the model has seen
/// it) and then as a training example, so the metrics measure performance on
/// unseen data while the model keeps learning — River's
/// `evaluate.progressive_val_score`. The rolling-window metrics show the
/// *current* quality, which is what drift shows up in.
///
/// **Contract.**
/// - With `learningBatchSize` 1 (the default), per row: predict, learn,
///   update the metrics with the prediction (``OnlineClassifier/predictThenLearn(_:label:probabilities:)``,
///   which is exactly predict-then-learn, fused). With `b > 1`, rows go in chunks of `b`: every row of a
///   chunk is predicted and scored with the model from before the chunk,
///   then the chunk is learned as one mini-batch. A chunk never spans two
///   `process` calls (the rest of a batch is a smaller chunk).
/// - ``process(_:)`` takes a ``Batch`` through the ``FeatureExtractor``
///   (skipped rows are counted in the report); the `rows:` variants take
///   extracted buffers directly.
/// - The model is a value: ``model`` is the current state, ready to save.
///
/// Not thread-safe; one evaluator belongs to one stage.
public final class PrequentialEvaluator<Model: OnlineModel> {
    public private(set) var model: Model
    public let extractor: FeatureExtractor?
    public let windowSize: Int
    public let learningBatchSize: Int
    public private(set) var classificationMetrics: ClassificationMetrics?
    public private(set) var regressionMetrics: RegressionMetrics?
    private var scratch: [Double]

    private init(model: Model, extractor: FeatureExtractor?, windowSize: Int, learningBatchSize: Int, classCount: Int?) {
        precondition(windowSize > 0 && learningBatchSize > 0)
        precondition(extractor == nil || extractor!.featureCount == model.featureCount, "the extractor's features do not match the model's")
        self.model = model
        self.extractor = extractor
        self.windowSize = windowSize
        self.learningBatchSize = learningBatchSize
        if let classCount {
            classificationMetrics = ClassificationMetrics(classCount: classCount, windowSize: windowSize)
            scratch = Array(repeating: 0, count: classCount * learningBatchSize)
        } else {
            regressionMetrics = RegressionMetrics(windowSize: windowSize)
            scratch = Array(repeating: 0, count: learningBatchSize)
        }
    }

    /// The current metrics.
    public var report: PrequentialReport {
        var r = PrequentialReport(rows: classificationMetrics?.rows ?? regressionMetrics?.rows ?? 0,
                                  skippedRows: extractor?.counts.skippedRows ?? 0, windowSize: windowSize)
        if let m = classificationMetrics {
            r.accuracy = MetricValue(overall: m.accuracy.value, window: m.accuracy.windowValue)
            r.logLoss = MetricValue(overall: m.logLoss.value, window: m.logLoss.windowValue)
            if let auc = m.rocAUC {
                r.rocAUC = MetricValue(overall: auc.value, window: auc.windowValue)
                r.rocAUCErrorBound = auc.errorBound
            }
        }
        if let m = regressionMetrics {
            r.meanAbsoluteError = MetricValue(overall: m.meanAbsoluteError.value, window: m.meanAbsoluteError.windowValue)
            r.rootMeanSquaredError = MetricValue(overall: m.rootMeanSquaredError.value, window: m.rootMeanSquaredError.windowValue)
            r.rSquared = MetricValue(overall: m.rSquared.value, window: m.rSquared.windowValue)
        }
        return r
    }
}

extension PrequentialEvaluator where Model: OnlineClassifier {
    /// - Parameters:
    ///   - extractor: needed for ``process(_:)``; its target must be classification.
    ///   - windowSize: rows in the rolling-window metrics (default 1000).
    ///   - learningBatchSize: rows per learning step (default 1: test-then-train per row).
    public convenience init(model: Model, extractor: FeatureExtractor? = nil, windowSize: Int = 1000, learningBatchSize: Int = 1) {
        if let extractor, case .classification(_, let classes) = extractor.target {
            precondition(classes == model.classes, "the extractor's classes \(classes) differ from the model's \(model.classes)")
        }
        self.init(model: model, extractor: extractor, windowSize: windowSize, learningBatchSize: learningBatchSize, classCount: model.classes.count)
    }

    /// Extracts the selected rows of `batch`, then predicts, scores and learns each.
    public func process(_ batch: Batch) throws(FeatureError) {
        guard let extractor else { preconditionFailure("process(_: Batch) needs an extractor") }
        guard case .classification = extractor.target else { preconditionFailure("the extractor reads no class labels") }
        try extractor.extract(batch)
        process(rows: UnsafeBufferPointer(extractor.features), labels: UnsafeBufferPointer(extractor.classIndices))
    }

    /// Predicts, scores and learns `labels.count` rows, in order.
    public func process(rows: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Int32>) {
        precondition(rows.count == labels.count * model.featureCount)
        Self.run(&model, &classificationMetrics!, &scratch, rows: rows, labels: labels, batchSize: learningBatchSize)
    }

    private static func run(_ model: inout Model, _ metrics: inout ClassificationMetrics, _ scratch: inout [Double],
                            rows: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Int32>, batchSize: Int) {
        let n = labels.count, d = model.featureCount, k = metrics.classCount
        guard n > 0 else { return }
        let x = rows.baseAddress!, y = labels.baseAddress!
        scratch.withUnsafeMutableBufferPointer { p in
            if batchSize == 1 {
                let probabilities = UnsafeMutableBufferPointer(rebasing: p[0..<k])
                for i in 0..<n {
                    model.predictThenLearn(UnsafeBufferPointer(start: x + i * d, count: d), label: Int(y[i]), probabilities: probabilities)
                    metrics.update(probabilities: UnsafeBufferPointer(probabilities), label: Int(y[i]))
                }
                return
            }
            var start = 0
            while start < n {
                let m = min(batchSize, n - start)
                for i in 0..<m {
                    let row = UnsafeBufferPointer(start: x + (start + i) * d, count: d)
                    let probabilities = UnsafeMutableBufferPointer(rebasing: p[(i * k)..<((i + 1) * k)])
                    model.predictProbabilities(row, into: probabilities)
                    metrics.update(probabilities: UnsafeBufferPointer(probabilities), label: Int(y[start + i]))
                }
                model.learn(rows: UnsafeBufferPointer(start: x + start * d, count: m * d), labels: UnsafeBufferPointer(start: y + start, count: m))
                start += m
            }
        }
    }
}

extension PrequentialEvaluator where Model: OnlineRegressor {
    /// - Parameters:
    ///   - extractor: needed for ``process(_:)``; its target must be regression.
    ///   - windowSize: rows in the rolling-window metrics (default 1000).
    ///   - learningBatchSize: rows per learning step (default 1: test-then-train per row).
    public convenience init(model: Model, extractor: FeatureExtractor? = nil, windowSize: Int = 1000, learningBatchSize: Int = 1) {
        self.init(model: model, extractor: extractor, windowSize: windowSize, learningBatchSize: learningBatchSize, classCount: nil)
    }

    /// Extracts the selected rows of `batch`, then predicts, scores and learns each.
    public func process(_ batch: Batch) throws(FeatureError) {
        guard let extractor else { preconditionFailure("process(_: Batch) needs an extractor") }
        guard case .regression = extractor.target else { preconditionFailure("the extractor reads no regression target") }
        try extractor.extract(batch)
        process(rows: UnsafeBufferPointer(extractor.features), targets: UnsafeBufferPointer(extractor.targets))
    }

    /// Predicts, scores and learns `targets.count` rows, in order.
    public func process(rows: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>) {
        precondition(rows.count == targets.count * model.featureCount)
        Self.run(&model, &regressionMetrics!, &scratch, rows: rows, targets: targets, batchSize: learningBatchSize)
    }

    private static func run(_ model: inout Model, _ metrics: inout RegressionMetrics, _ scratch: inout [Double],
                            rows: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>, batchSize: Int) {
        let n = targets.count, d = model.featureCount
        guard n > 0 else { return }
        let x = rows.baseAddress!, y = targets.baseAddress!
        if batchSize == 1 {
            for i in 0..<n {
                let prediction = model.predictThenLearn(UnsafeBufferPointer(start: x + i * d, count: d), target: y[i])
                metrics.update(prediction: prediction, target: y[i])
            }
            return
        }
        var start = 0
        while start < n {
            let m = min(batchSize, n - start)
            for i in 0..<m {
                let prediction = model.predict(UnsafeBufferPointer(start: x + (start + i) * d, count: d))
                metrics.update(prediction: prediction, target: y[start + i])
            }
            model.learn(rows: UnsafeBufferPointer(start: x + start * d, count: m * d), targets: UnsafeBufferPointer(start: y + start, count: m))
            start += m
        }
    }
}
