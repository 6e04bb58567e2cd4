/// DDM, the Drift Detection Method: watches the error rate of a classifier
/// and signals a warning, then a drift, when it rises significantly above the
/// lowest rate seen.
///
/// Gama, J., Medas, P., Castillo, G. and Rodrigues, P. (2004). *Learning with
/// Drift Detection.* Advances in Artificial Intelligence – SBIA 2004, LNCS 3171,
/// pp. 286–295. <https://doi.org/10.1007/978-3-540-28645-5_29>
///
/// Why use it: it is the classic detector for a classifier's 0/1 error stream,
/// O(1) time and memory, and its warning zone gives time to train a
/// replacement model on the newest examples before the drift is confirmed.
///
/// ## Algorithm
///
/// The errors are modelled as Bernoulli trials: after `i` values the error
/// rate is `p_i` with standard deviation `s_i = sqrt(p_i (1 − p_i) / i)`.
/// From `minInstances` values on, the detector keeps the minimum of `p_i + s_i`
/// seen (`p_min`, `s_min`) and compares the current level with it:
///
/// - `p_i + s_i ≥ p_min + driftLevel · s_min` (3 by default): ``DriftSignal/drift``,
///   and the statistics restart (the new concept's error rate is learned from
///   the next value on);
/// - otherwise `p_i + s_i ≥ p_min + warningLevel · s_min` (2): ``DriftSignal/warning``;
/// - otherwise ``DriftSignal/none``.
///
/// One deviation from the paper, to avoid a certain false alarm: the minimum
/// is only recorded once `s_i > 0`, i.e. once both an error and a correct
/// prediction were seen. (With MOA's and River's rule, a stream that starts
/// with `minInstances` correct predictions has `s_min = 0` and its first error
/// is a "drift".)
///
/// DDM detects increases of the error rate only, and it is meant for 0/1
/// values; values are clamped to [0, 1] (a fractional value counts as a
/// fractional error, which makes `s_i` an approximation). Its delay grows with
/// the length of the stable period before the change, since `p_min`'s
/// estimate gets tighter while the current rate reacts ever more slowly.
///
/// Measured (`sluice bench-drift`, 20 seeds, change after 10 000 values): an
/// error rate going from 0.1 to 0.4 is detected 427 values later on average
/// (at most 1 885), 0.1 to 0.2 after 1 202; at a stationary error rate of 0.1
/// it raises about 1.2 false alarms per 20 000-value stream, most in the
/// first 500 values, where `s_min` is estimated from a handful of errors.
/// Raise `minInstances` (e.g. to 300) where that matters.
///
/// ## Parameters and defaults (those of the paper, MOA and River)
///
/// | parameter | default | meaning |
/// | --- | --- | --- |
/// | `minInstances` | 30 | values before any signal (and before the minimum is recorded) |
/// | `warningLevel` | 2 | warning when `p + s ≥ p_min + warningLevel · s_min` |
/// | `driftLevel` | 3 | drift when `p + s ≥ p_min + driftLevel · s_min` |
public struct DDM: DriftDetector, Equatable {
    /// Values seen before any signal.
    public let minInstances: Int
    /// How many `s_min` above `p_min` the warning level is.
    public let warningLevel: Double
    /// How many `s_min` above `p_min` the drift level is.
    public let driftLevel: Double

    /// Values seen since creation, the last drift or the last ``reset()``.
    public private(set) var count: Int = 0
    /// The error rate `p_i` over those values.
    public private(set) var errorRate: Double = 0
    /// `p_min`, the error rate at the minimum of `p + s`; `nil` until recorded.
    public private(set) var minimumErrorRate: Double?
    /// `s_min`, the standard deviation at the minimum of `p + s`; `nil` until recorded.
    public private(set) var minimumDeviation: Double?
    /// The number of drifts signalled since creation or the last ``reset()``.
    public private(set) var detectionCount: Int = 0

    /// Creates a detector.
    ///
    /// - Parameters:
    ///   - minInstances: values before any signal, ≥ 1. Default 30.
    ///   - warningLevel: the warning level in `s_min` units, > 0. Default 2.
    ///   - driftLevel: the drift level in `s_min` units, ≥ `warningLevel`. Default 3.
    /// - Precondition: the parameters are in the ranges above.
    public init(minInstances: Int = 30, warningLevel: Double = 2, driftLevel: Double = 3) {
        if let problem = Self.parameterProblem(minInstances: minInstances, warningLevel: warningLevel, driftLevel: driftLevel) {
            preconditionFailure("DDM: \(problem)")
        }
        self.minInstances = minInstances
        self.warningLevel = warningLevel
        self.driftLevel = driftLevel
    }

    /// The current standard deviation `s_i` of the error-rate estimate.
    public var deviation: Double {
        count == 0 ? 0 : (errorRate * (1 - errorRate) / Double(count)).squareRoot()
    }

    public mutating func update(_ value: Double) -> DriftSignal {
        guard value.isFinite else { return .none }
        count += 1
        errorRate += (min(max(value, 0), 1) - errorRate) / Double(count)
        guard count >= minInstances else { return .none }
        let s = deviation
        let level = errorRate + s
        if s > 0, minimumErrorRate == nil || level <= minimumErrorRate! + minimumDeviation! {
            minimumErrorRate = errorRate
            minimumDeviation = s
            return .none  // at the minimum: nothing to report
        }
        guard let pMin = minimumErrorRate, let sMin = minimumDeviation else { return .none }
        if level >= pMin + driftLevel * sMin {
            detectionCount += 1
            restart()
            return .drift
        }
        return level >= pMin + warningLevel * sMin ? .warning : .none
    }

    public mutating func reset() {
        restart()
        detectionCount = 0
    }

    private mutating func restart() {
        count = 0
        errorRate = 0
        minimumErrorRate = nil
        minimumDeviation = nil
    }

    private static func parameterProblem(minInstances: Int, warningLevel: Double, driftLevel: Double) -> String? {
        if minInstances < 1 { return "minInstances must be at least 1, got \(minInstances)" }
        if !(warningLevel > 0 && warningLevel.isFinite) { return "warningLevel must be finite and positive, got \(warningLevel)" }
        if !(driftLevel >= warningLevel && driftLevel.isFinite) { return "driftLevel must be finite and at least warningLevel, got \(driftLevel)" }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case minInstances, warningLevel, driftLevel, count, errorRate, minimumErrorRate, minimumDeviation, detectionCount
    }

    /// Restores a saved detector; invalid parameters or state throw `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minInstances = try c.decode(Int.self, forKey: .minInstances)
        warningLevel = try c.decode(Double.self, forKey: .warningLevel)
        driftLevel = try c.decode(Double.self, forKey: .driftLevel)
        count = try c.decode(Int.self, forKey: .count)
        errorRate = try c.decode(Double.self, forKey: .errorRate)
        minimumErrorRate = try c.decodeIfPresent(Double.self, forKey: .minimumErrorRate)
        minimumDeviation = try c.decodeIfPresent(Double.self, forKey: .minimumDeviation)
        detectionCount = try c.decode(Int.self, forKey: .detectionCount)
        if let problem = Self.parameterProblem(minInstances: minInstances, warningLevel: warningLevel, driftLevel: driftLevel) {
            throw DecodingError.dataCorruptedError(forKey: .driftLevel, in: c, debugDescription: "DDM: \(problem)")
        }
        guard count >= 0, detectionCount >= 0, (0...1).contains(errorRate),
              (minimumErrorRate == nil) == (minimumDeviation == nil),
              minimumErrorRate.map({ (0...1).contains($0) }) ?? true,
              minimumDeviation.map({ $0 > 0 && $0.isFinite }) ?? true else {
            throw DecodingError.dataCorruptedError(forKey: .count, in: c, debugDescription: "DDM: invalid state")
        }
    }
}
