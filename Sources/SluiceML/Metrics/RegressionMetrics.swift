/// The prequential metrics of a regressor: MAE, RMSE and R², each over the
/// whole stream and over the last `windowSize` rows.
public struct RegressionMetrics: Sendable {
    public let windowSize: Int
    public private(set) var meanAbsoluteError: MeanAbsoluteError
    public private(set) var rootMeanSquaredError: RootMeanSquaredError
    public private(set) var rSquared: RSquared

    public init(windowSize: Int = 1000) {
        precondition(windowSize > 0)
        self.windowSize = windowSize
        meanAbsoluteError = MeanAbsoluteError(windowSize: windowSize)
        rootMeanSquaredError = RootMeanSquaredError(windowSize: windowSize)
        rSquared = RSquared(windowSize: windowSize)
    }

    public mutating func update(prediction: Double, target: Double) {
        meanAbsoluteError.update(prediction: prediction, target: target)
        rootMeanSquaredError.update(prediction: prediction, target: target)
        rSquared.update(prediction: prediction, target: target)
    }

    public var rows: Int { meanAbsoluteError.count }
}
