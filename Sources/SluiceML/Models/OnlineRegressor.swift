/// An online regressor over dense rows of `featureCount` values.
///
/// **Contract.** Predictions never change the model. `learn(rows:targets:)`
/// takes *one* optimizer step with the gradient averaged over the rows, all
/// computed at the parameters (and scaler statistics) from before the batch;
/// with one row it is exactly `learn(_:target:)`.
public protocol OnlineRegressor: OnlineModel {
    func predict(_ row: UnsafeBufferPointer<Double>) -> Double
    /// Predictions for `rows.count / featureCount` rows.
    func predict(rows: UnsafeBufferPointer<Double>, into predictions: UnsafeMutableBufferPointer<Double>)
    mutating func learn(_ row: UnsafeBufferPointer<Double>, target: Double)
    mutating func learn(rows: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>)
    /// Predicts `row`, then learns it: the same as `predict(_:)` followed by
    /// `learn(_:target:)` (bit for bit), which a model may fuse. Returns the prediction.
    mutating func predictThenLearn(_ row: UnsafeBufferPointer<Double>, target: Double) -> Double
}

extension OnlineRegressor {
    public mutating func predictThenLearn(_ row: UnsafeBufferPointer<Double>, target: Double) -> Double {
        let prediction = predict(row)
        learn(row, target: target)
        return prediction
    }
}
