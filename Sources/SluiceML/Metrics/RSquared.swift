/// The coefficient of determination `R² = 1 - SSE / SST`: how much better
/// the predictions are than always predicting the mean of the targets (1 is
/// perfect, 0 is no better, negative is worse). Over the whole stream and
/// over the last `windowSize` rows.
///
/// `SST` is the targets' sum of squared deviations from *their own mean over
/// the same rows* (the batch definition, as scikit-learn's `r2_score` and
/// River's `R2`). Overall, it is kept by Welford's update; for the window,
/// from rolling sums of `y - y₀` and `(y - y₀)²` shifted by the first target
/// `y₀` to avoid cancellation. `nil` until two rows, or while SST is 0.
public struct RSquared: Sendable {
    public let windowSize: Int
    public private(set) var count = 0
    private var mean = 0.0
    private var m2 = 0.0
    private var squaredErrors = CompensatedSum()
    private var shift: Double?
    private var windowErrors: RollingMean
    private var windowShifted: RollingMean
    private var windowShiftedSquares: RollingMean

    public init(windowSize: Int = 1000) {
        self.windowSize = windowSize
        windowErrors = RollingMean(capacity: windowSize)
        windowShifted = RollingMean(capacity: windowSize)
        windowShiftedSquares = RollingMean(capacity: windowSize)
    }

    public mutating func update(prediction: Double, target: Double) {
        count += 1
        let delta = target - mean
        mean += delta / Double(count)
        m2 += delta * (target - mean)
        let e = prediction - target
        squaredErrors.add(e * e)
        if shift == nil { shift = target }
        let s = target - shift!
        windowErrors.add(e * e)
        windowShifted.add(s)
        windowShiftedSquares.add(s * s)
    }

    public var value: Double? {
        guard count >= 2, m2 > 0 else { return nil }
        return 1 - squaredErrors.value / m2
    }

    public var windowValue: Double? {
        let n = Double(windowErrors.count)
        guard windowErrors.count >= 2 else { return nil }
        let sst = windowShiftedSquares.sum - windowShifted.sum * windowShifted.sum / n
        guard sst > 0 else { return nil }
        return 1 - windowErrors.sum / sst
    }
}
