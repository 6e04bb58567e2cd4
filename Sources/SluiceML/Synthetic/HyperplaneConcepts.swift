/// A stream whose concepts are unrelated hyperplanes: concept `c` labels `x` (uniform in
/// `[0, 1]^d`) 1 when `w_c · x ≥ ½ Σ w_c`, with `w_c` drawn per concept from the seed. Switching
/// concept (per a ``DriftSchedule``, abruptly or gradually) moves the decision boundary to an
/// unrelated direction, a much larger change than SEA's threshold shifts: the case where a model
/// that keeps learning slowly is far off for a long time and retraining pays.
public struct HyperplaneConcepts: SyntheticStream, Equatable, Codable {
    public let dimensions: Int
    public let schedule: DriftSchedule
    public let noise: Double
    /// One weight vector per concept.
    public let weights: [[Double]]
    public private(set) var position: Int = 0
    private var rng: Xoshiro256StarStar

    public var featureNames: [String] { (1...dimensions).map { "x\($0)" } }

    public init(seed: UInt64, dimensions: Int = 5, concepts: Int = 4, schedule: DriftSchedule = .stationary(0), noise: Double = 0.05) {
        precondition(dimensions >= 2 && concepts >= 1 && (0...1).contains(noise), "HyperplaneConcepts: bad parameters")
        precondition(schedule.concepts.allSatisfy { (0..<concepts).contains($0) }, "HyperplaneConcepts: schedule concepts must be in 0..<\(concepts)")
        var rng = Xoshiro256StarStar(seed: seed)
        weights = (0..<concepts).map { _ in (0..<dimensions).map { _ in rng.nextUniform(in: -1, 1) } }
        self.dimensions = dimensions
        self.schedule = schedule
        self.noise = noise
        self.rng = rng
    }

    public static func label(of features: [Double], weights: [Double]) -> Int {
        var dot = 0.0, sum = 0.0
        for i in weights.indices {
            dot += weights[i] * features[i]
            sum += weights[i]
        }
        return dot >= 0.5 * sum ? 1 : 0
    }

    public mutating func nextSample() -> LabeledSample {
        let concept = schedule.concept(at: position, using: &rng)
        let features = (0..<dimensions).map { _ in rng.nextUniform() }
        var label = Self.label(of: features, weights: weights[concept])
        if rng.nextUniform() < noise { label = 1 - label }
        position += 1
        return LabeledSample(features: features, label: label, concept: concept)
    }
}
