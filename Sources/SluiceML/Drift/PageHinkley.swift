/// The Page-Hinkley test: a cumulative-sum detector of a change in the mean,
/// signalling a drift when the accumulated deviation of the values from their
/// running mean exceeds a threshold.
///
/// Page, E. S. (1954). *Continuous Inspection Schemes.* Biometrika 41(1/2),
/// pp. 100–115. <https://doi.org/10.2307/2333009>; Hinkley, D. V. (1971).
/// *Inference about the change-point from cumulative sum tests.* Biometrika
/// 58(3), pp. 509–523; used for concept drift as in Gama, J. et al. (2013),
/// *On evaluating stream learning algorithms*, Machine Learning 90, pp. 317–346.
///
/// Why use it: O(1) time and memory, very fast on large shifts, and one-sided
/// by default, so it reacts to a model getting *worse* (a rising error or
/// loss) and not to it getting better.
///
/// ## Algorithm
///
/// With `x̄_t` the running mean of the values since the last (re)start, the
/// statistic for increases is the cumulative sum
/// `U_t = max(0, α · U_{t−1} + (x_t − x̄_t − δ))`, i.e. Page-Hinkley's
/// `m_T − min_{t≤T} m_t` computed recursively with a fading factor `α`; for
/// decreases `L_t = max(0, α · L_{t−1} + (x̄_t − x_t − δ))`. Once
/// `minInstances` values were seen, a statistic above `threshold` is a drift;
/// the detector then restarts (running mean and sums), so it learns the new
/// level from the next value on. There is no warning zone.
///
/// ## Parameters and defaults (those of River)
///
/// | parameter | default | meaning |
/// | --- | --- | --- |
/// | `minInstances` | 30 | values seen before a drift can be signalled |
/// | `delta` | 0.005 | δ: deviation tolerated per value (a change smaller than about δ is never detected) |
/// | `threshold` | 50 | λ: the level of the cumulative sum that is a drift |
/// | `alpha` | 1 − 0.0001 | α: fading factor of the sums (1: no forgetting) |
/// | `direction` | `.increase` | which changes of the mean to detect |
///
/// `delta` and `threshold` are in the units of the data. The defaults suit
/// 0/1 error indicators: an error rate going from 0.1 to 0.4 is detected 151
/// values later on average (at most 202), 0.1 to 0.2 after 496, with no false
/// alarm at a stationary error rate of 0.1, but 2.8 per 100 000 values at 0.4
/// (`sluice bench-drift`, 20 seeds). On a feature, scale both with its standard
/// deviation σ: `delta: 0.25 * σ, threshold: 25 * σ` catches a one-σ shift 30
/// values later on average without false alarms, whereas the defaults on a
/// unit-variance feature raise about 28 false alarms per 100 000 values.
public struct PageHinkley: DriftDetector, Equatable {
    /// Which changes of the mean a ``PageHinkley`` detector reports.
    public enum Direction: String, Sendable, Hashable, Codable, CaseIterable {
        /// Only increases: a model's error or loss getting worse.
        case increase
        /// Only decreases.
        case decrease
        /// Increases and decreases.
        case both
    }

    /// Values seen before a drift can be signalled.
    public let minInstances: Int
    /// δ, the tolerated deviation per value.
    public let delta: Double
    /// λ, the drift level of the cumulative sum.
    public let threshold: Double
    /// α, the fading factor of the cumulative sums.
    public let alpha: Double
    /// The changes reported.
    public let direction: Direction

    /// Values seen since creation, the last drift or the last ``reset()``.
    public private(set) var count: Int = 0
    /// The running mean of those values.
    public private(set) var mean: Double = 0
    /// The cumulative sum for increases, `U_t` (≥ 0).
    public private(set) var increaseStatistic: Double = 0
    /// The cumulative sum for decreases, `L_t` (≥ 0).
    public private(set) var decreaseStatistic: Double = 0
    /// The number of drifts signalled since creation or the last ``reset()``.
    public private(set) var detectionCount: Int = 0

    /// Creates a detector.
    ///
    /// - Parameters:
    ///   - minInstances: values before a drift can be signalled, ≥ 1. Default 30.
    ///   - delta: tolerated deviation per value, ≥ 0. Default 0.005.
    ///   - threshold: drift level λ, > 0. Default 50.
    ///   - alpha: fading factor, in (0, 1]. Default 1 − 0.0001.
    ///   - direction: the changes to detect. Default ``Direction/increase``.
    /// - Precondition: the parameters are in the ranges above.
    public init(minInstances: Int = 30, delta: Double = 0.005, threshold: Double = 50,
                alpha: Double = 1 - 0.0001, direction: Direction = .increase) {
        if let problem = Self.parameterProblem(minInstances: minInstances, delta: delta, threshold: threshold, alpha: alpha) {
            preconditionFailure("PageHinkley: \(problem)")
        }
        self.minInstances = minInstances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.direction = direction
    }

    public mutating func update(_ value: Double) -> DriftSignal {
        guard value.isFinite else { return .none }
        count += 1
        mean += (value - mean) / Double(count)
        let deviation = value - mean
        increaseStatistic = max(0, alpha * increaseStatistic + deviation - delta)
        decreaseStatistic = max(0, alpha * decreaseStatistic - deviation - delta)
        guard count >= minInstances else { return .none }
        let up = direction != .decrease && increaseStatistic > threshold
        let down = direction != .increase && decreaseStatistic > threshold
        guard up || down else { return .none }
        detectionCount += 1
        restart()
        return .drift
    }

    public mutating func reset() {
        restart()
        detectionCount = 0
    }

    private mutating func restart() {
        count = 0
        mean = 0
        increaseStatistic = 0
        decreaseStatistic = 0
    }

    private static func parameterProblem(minInstances: Int, delta: Double, threshold: Double, alpha: Double) -> String? {
        if minInstances < 1 { return "minInstances must be at least 1, got \(minInstances)" }
        if !(delta >= 0 && delta.isFinite) { return "delta must be finite and not negative, got \(delta)" }
        if !(threshold > 0 && threshold.isFinite) { return "threshold must be finite and positive, got \(threshold)" }
        if !(alpha > 0 && alpha <= 1) { return "alpha must be in (0, 1], got \(alpha)" }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case minInstances, delta, threshold, alpha, direction
        case count, mean, increaseStatistic, decreaseStatistic, detectionCount
    }

    /// Restores a saved detector; invalid parameters or state throw `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minInstances = try c.decode(Int.self, forKey: .minInstances)
        delta = try c.decode(Double.self, forKey: .delta)
        threshold = try c.decode(Double.self, forKey: .threshold)
        alpha = try c.decode(Double.self, forKey: .alpha)
        direction = try c.decode(Direction.self, forKey: .direction)
        count = try c.decode(Int.self, forKey: .count)
        mean = try c.decode(Double.self, forKey: .mean)
        increaseStatistic = try c.decode(Double.self, forKey: .increaseStatistic)
        decreaseStatistic = try c.decode(Double.self, forKey: .decreaseStatistic)
        detectionCount = try c.decode(Int.self, forKey: .detectionCount)
        if let problem = Self.parameterProblem(minInstances: minInstances, delta: delta, threshold: threshold, alpha: alpha) {
            throw DecodingError.dataCorruptedError(forKey: .delta, in: c, debugDescription: "PageHinkley: \(problem)")
        }
        guard count >= 0, detectionCount >= 0, mean.isFinite, increaseStatistic >= 0, decreaseStatistic >= 0,
              increaseStatistic.isFinite, decreaseStatistic.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: .count, in: c, debugDescription: "PageHinkley: invalid state")
        }
    }
}
