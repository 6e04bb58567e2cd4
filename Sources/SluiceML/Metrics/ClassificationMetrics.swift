/// The prequential metrics of a classifier, updated from each row's predicted
/// probabilities and true class: accuracy, log loss, and (binary only) ROC
/// AUC, each over the whole stream and over the last `windowSize` rows.
///
/// The predicted class is the most probable one (the lower index on a tie),
/// as ``LogisticRegression/predict(_:)`` decides. For ROC AUC the positive
/// class is class index 1 and the score its probability.
public struct ClassificationMetrics: Sendable {
    public let classCount: Int
    public let windowSize: Int
    public private(set) var accuracy: Accuracy
    public private(set) var logLoss: LogLoss
    /// Binary tasks only.
    public private(set) var rocAUC: ROCAUC?

    public init(classCount: Int, windowSize: Int = 1000) {
        precondition(classCount >= 2 && windowSize > 0)
        self.classCount = classCount
        self.windowSize = windowSize
        accuracy = Accuracy(windowSize: windowSize)
        logLoss = LogLoss(windowSize: windowSize)
        rocAUC = classCount == 2 ? ROCAUC(windowSize: windowSize) : nil
    }

    /// `probabilities`: `classCount` values for one row; `label`: its true class index.
    public mutating func update(probabilities: UnsafeBufferPointer<Double>, label: Int) {
        precondition(probabilities.count >= classCount && label >= 0 && label < classCount)
        var best = 0
        for c in 1..<classCount where probabilities[c] > probabilities[best] { best = c }
        accuracy.update(correct: best == label)
        logLoss.update(probabilityOfTrueClass: probabilities[label])
        if rocAUC != nil { rocAUC!.update(score: probabilities[1], positive: label == 1) }
    }

    public mutating func update(probabilities: [Double], label: Int) {
        probabilities.withUnsafeBufferPointer { update(probabilities: $0, label: label) }
    }

    public var rows: Int { accuracy.count }
}
