/// How well a drift detector did on a stream with known change points:
/// detection delays, missed changes and false alarms.
///
/// Why: detectors trade delay for false alarms through their parameters, and
/// the only honest way to pick them is to measure both on streams whose
/// change points are known (``ChangePointStream``, ``SEAGenerator``). This is
/// the scoring used by the tests and by `sluice bench-drift`.
///
/// Scoring rules. Each change point `c` owns an *acceptance window*
/// `[c, c + horizon)`, cut short by the next change point. The first drift
/// signalled in it detects the change, with delay `signal − c` (a signal on the
/// very value at `c` has delay 0); later signals in the same window are
/// *repeat* detections of the same change (ADWIN may shrink its window in
/// several steps) and are neither credited nor penalised. A change with no
/// signal in its window is *missed*. Every signal outside all windows is a
/// *false alarm*; the false-alarm rate is per 100 000 values outside the
/// windows (the values where the stream is stationary).
public struct DriftEvaluation: Sendable, Hashable, Codable {
    /// The number of values fed.
    public var samples: Int
    /// The true change points (0-based rows).
    public var changePoints: [Int]
    /// The rows at which the detector signalled a drift.
    public var detections: [Int]
    /// The acceptance window length.
    public var horizon: Int
    /// The delay of each detected change, in values, in change-point order.
    public private(set) var delays: [Int] = []
    /// The change points without a detection in their window.
    public private(set) var missed: Int = 0
    /// Signals outside every acceptance window.
    public private(set) var falseAlarms: Int = 0
    /// Signals after the first one in an acceptance window.
    public private(set) var repeatDetections: Int = 0
    /// Values outside every acceptance window (the denominator of ``falseAlarmsPer100k``).
    public private(set) var stationarySamples: Int = 0

    /// Scores `detections` against `changePoints` for a stream of `samples` values.
    /// - Precondition: `changePoints` are increasing and `horizon` is positive.
    public init(samples: Int, changePoints: [Int], detections: [Int], horizon: Int) {
        precondition(horizon > 0, "DriftEvaluation: horizon must be positive")
        precondition(zip(changePoints, changePoints.dropFirst()).allSatisfy { $0 < $1 },
                     "DriftEvaluation: change points must increase")
        self.samples = samples
        self.changePoints = changePoints
        self.detections = detections
        self.horizon = horizon
        var windows: [Range<Int>] = []
        for (k, c) in changePoints.enumerated() where c < samples {
            let next = k + 1 < changePoints.count ? changePoints[k + 1] : Int.max
            windows.append(c..<Swift.min(c + horizon, next, samples))
        }
        stationarySamples = samples - windows.reduce(0) { $0 + $1.count }
        var detectedIn = Set<Int>()
        for d in detections {
            if let k = windows.firstIndex(where: { $0.contains(d) }) {
                if detectedIn.insert(k).inserted { delays.append(d - windows[k].lowerBound) } else { repeatDetections += 1 }
            } else {
                falseAlarms += 1
            }
        }
        missed = windows.count - detectedIn.count
    }

    /// Runs `detector` over `values` and scores its drift signals.
    public static func run<D: DriftDetector>(_ detector: inout D, on values: [Double], changePoints: [Int],
                                             horizon: Int) -> DriftEvaluation {
        var detections: [Int] = []
        for (i, value) in values.enumerated() {
            if case .drift = detector.update(value) { detections.append(i) }
        }
        return DriftEvaluation(samples: values.count, changePoints: changePoints, detections: detections, horizon: horizon)
    }

    /// The mean delay over the detected changes; `nil` if none was detected.
    public var meanDelay: Double? {
        delays.isEmpty ? nil : Double(delays.reduce(0, +)) / Double(delays.count)
    }

    /// False alarms per 100 000 stationary values (0 when there were none).
    public var falseAlarmsPer100k: Double {
        stationarySamples == 0 ? 0 : Double(falseAlarms) * 100_000 / Double(stationarySamples)
    }
}
