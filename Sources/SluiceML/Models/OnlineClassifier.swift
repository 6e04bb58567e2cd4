/// An online classifier over dense rows of `featureCount` values.
///
/// Rows are row-major `Double` buffers (what ``FeatureExtractor`` produces);
/// labels are class indices into ``classes``.
///
/// **Contract.** Predictions never change the model. `learn(rows:labels:)`
/// takes *one* optimizer step with the gradient averaged over the rows, all
/// computed at the parameters (and scaler statistics) from before the batch;
/// with one row it is exactly `learn(_:label:)`.
public protocol OnlineClassifier: OnlineModel {
    var classes: ClassLabels { get }
    /// Writes `classes.count` probabilities (summing to 1) for one row.
    func predictProbabilities(_ row: UnsafeBufferPointer<Double>, into probabilities: UnsafeMutableBufferPointer<Double>)
    /// Probabilities of `rows.count / featureCount` rows, `classes.count` per row.
    func predictProbabilities(rows: UnsafeBufferPointer<Double>, into probabilities: UnsafeMutableBufferPointer<Double>)
    /// One update from one row.
    mutating func learn(_ row: UnsafeBufferPointer<Double>, label: Int)
    /// One update from a mini-batch: `labels.count` rows.
    mutating func learn(rows: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Int32>)
    /// Predicts `row` into `probabilities`, then learns it: the same as
    /// `predictProbabilities(_:into:)` followed by `learn(_:label:)` (bit for
    /// bit), which a model may fuse — the gradient needs the same probabilities.
    mutating func predictThenLearn(_ row: UnsafeBufferPointer<Double>, label: Int, probabilities: UnsafeMutableBufferPointer<Double>)
}

extension OnlineClassifier {
    public mutating func predictThenLearn(_ row: UnsafeBufferPointer<Double>, label: Int, probabilities: UnsafeMutableBufferPointer<Double>) {
        predictProbabilities(row, into: probabilities)
        learn(row, label: label)
    }
}
