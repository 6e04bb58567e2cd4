/// A snapshot of a ``PrequentialEvaluator``: rows evaluated, rows the
/// extractor skipped, and the metrics of the task (the others are `nil`).
/// `Codable`, for a run summary or a model registry's record.
public struct PrequentialReport: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Rows predicted, scored and learned.
    public var rows: Int
    /// Rows the ``FeatureExtractor`` left out (0 when rows came as buffers).
    public var skippedRows: Int
    /// Rows in the rolling window.
    public var windowSize: Int
    public var accuracy: MetricValue?
    public var logLoss: MetricValue?
    public var rocAUC: MetricValue?
    /// Largest possible error of `rocAUC.overall` (see ``ROCAUC``).
    public var rocAUCErrorBound: Double?
    public var meanAbsoluteError: MetricValue?
    public var rootMeanSquaredError: MetricValue?
    public var rSquared: MetricValue?

    public init(rows: Int, skippedRows: Int, windowSize: Int) {
        self.rows = rows
        self.skippedRows = skippedRows
        self.windowSize = windowSize
    }

    public var description: String {
        var lines = ["rows \(rows), skipped \(skippedRows), window \(windowSize)"]
        if let accuracy { lines.append("accuracy \(accuracy)") }
        if let logLoss { lines.append("log loss \(logLoss)") }
        if let rocAUC { lines.append("ROC AUC \(rocAUC)" + (rocAUCErrorBound.map { ", overall within ±\($0)" } ?? "")) }
        if let meanAbsoluteError { lines.append("MAE \(meanAbsoluteError)") }
        if let rootMeanSquaredError { lines.append("RMSE \(rootMeanSquaredError)") }
        if let rSquared { lines.append("R² \(rSquared)") }
        return lines.joined(separator: "\n")
    }
}
