/// The SEA concepts stream: three uniform features in [0, 10], of which the
/// first two decide the class against a threshold that changes with the
/// concept; the classic benchmark for abrupt and gradual concept drift.
///
/// Street, W. N. and Kim, Y. (2001). *A Streaming Ensemble Algorithm (SEA) for
/// Large-Scale Classification.* KDD 2001, pp. 377–382.
/// <https://doi.org/10.1145/502512.502568>
///
/// Row `t`: `f1, f2, f3` uniform in [0, 10) (`f3` is irrelevant), concept
/// `c` from the ``DriftSchedule``, label `1` if `f1 + f2 ≤ θ_c` and `0`
/// otherwise, with `θ = 8, 9, 7, 9.5` for concepts 0...3 as in the paper; then,
/// with probability `noise`, the label is flipped. (MOA and River number the
/// classes the other way round: their class 1 is `f1 + f2 > θ`.)
///
/// Deterministic by seed. Each row draws, in order: one uniform per gradual
/// change of the schedule, the three features, one uniform for the noise
/// (drawn even when `noise` is 0, so streams differing only in noise have the
/// same features and concepts).
public struct SEAGenerator: SyntheticStream, Equatable, Codable {
    /// θ for concepts 0, 1, 2, 3 (Street & Kim's four concepts).
    public static let thresholds: [Double] = [8, 9, 7, 9.5]

    /// The concept switches.
    public let schedule: DriftSchedule
    /// The probability of flipping a label, in [0, 1]. MOA's default is 0.1 (10 %).
    public let noise: Double
    public private(set) var position: Int = 0
    private var rng: Xoshiro256StarStar

    public var featureNames: [String] { ["f1", "f2", "f3"] }

    /// Creates a stream.
    ///
    /// - Parameters:
    ///   - seed: the random seed; equal seeds give equal streams.
    ///   - schedule: which concept (0...3) each row comes from. Default: concept 0 throughout.
    ///   - noise: label-flip probability in [0, 1]. Default 0.1.
    /// - Precondition: every concept of `schedule` is in 0...3 and `noise` in [0, 1].
    public init(seed: UInt64, schedule: DriftSchedule = .stationary(0), noise: Double = 0.1) {
        precondition(schedule.concepts.allSatisfy { Self.thresholds.indices.contains($0) },
                     "SEAGenerator: concepts must be in 0...3")
        precondition((0...1).contains(noise), "SEAGenerator: noise must be in [0, 1]")
        self.schedule = schedule
        self.noise = noise
        self.rng = Xoshiro256StarStar(seed: seed)
    }

    /// The noise-free label of `features` under `concept`: 1 if `f1 + f2 ≤ θ`, else 0.
    public static func label(of features: [Double], concept: Int) -> Int {
        features[0] + features[1] <= thresholds[concept] ? 1 : 0
    }

    public mutating func nextSample() -> LabeledSample {
        let concept = schedule.concept(at: position, using: &rng)
        let features = [rng.nextUniform(in: 0, 10), rng.nextUniform(in: 0, 10), rng.nextUniform(in: 0, 10)]
        var label = Self.label(of: features, concept: concept)
        if rng.nextUniform() < noise { label = 1 - label }
        position += 1
        return LabeledSample(features: features, label: label, concept: concept)
    }
}
