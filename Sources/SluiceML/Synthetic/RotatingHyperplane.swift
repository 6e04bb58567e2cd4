/// The rotating hyperplane stream: `d` uniform features in [0, 1] classified
/// by a hyperplane whose weights move a little after every row: continuous,
/// gradual concept drift.
///
/// Hulten, G., Spencer, L. and Domingos, P. (2001). *Mining Time-Changing
/// Data Streams.* KDD 2001, pp. 97–106. <https://doi.org/10.1145/502512.502529>
/// (as implemented in MOA's `HyperplaneGenerator` and River's `Hyperplane`).
///
/// Row `t`: `x_1 ... x_d` uniform in [0, 1); label `1` if
/// `Σ w_i x_i ≥ ½ Σ w_i`, else `0`; flipped with probability `noise`. Then each
/// of the first `driftingFeatures` weights moves by `magnitude` in its current
/// direction (`w_i += σ_i · magnitude`), and its direction reverses
/// (`σ_i = −σ_i`) with probability `reversalProbability`. The initial weights
/// are uniform in [0, 1), the initial directions +1.
///
/// Deterministic by seed. Each row draws, in order: the `d` features, one
/// uniform for the noise, one uniform per drifting feature for the reversal.
public struct RotatingHyperplane: SyntheticStream, Equatable, Codable {
    /// d, the number of features.
    public let dimensions: Int
    /// How many weights (the first ones) drift.
    public let driftingFeatures: Int
    /// How far a drifting weight moves per row.
    public let magnitude: Double
    /// The probability, per row and drifting weight, that its direction reverses.
    public let reversalProbability: Double
    /// The probability of flipping a label.
    public let noise: Double

    /// The current weights of the hyperplane.
    public private(set) var weights: [Double]
    /// The current direction (±1) of each drifting weight.
    public private(set) var directions: [Double]
    public private(set) var position: Int = 0
    private var rng: Xoshiro256StarStar

    public var featureNames: [String] { (1...dimensions).map { "x\($0)" } }

    /// Creates a stream.
    ///
    /// - Parameters:
    ///   - seed: the random seed; equal seeds give equal streams.
    ///   - dimensions: d ≥ 1. Default 10 (MOA, River).
    ///   - driftingFeatures: how many weights drift, 0...d. Default 2 (MOA, River).
    ///   - magnitude: weight change per row, ≥ 0. Default 0.001 (0 gives a stationary stream).
    ///   - reversalProbability: in [0, 1]. Default 0.1 (MOA's `sigmaPercentage` 10).
    ///   - noise: label-flip probability in [0, 1]. Default 0.05 (MOA, River).
    /// - Precondition: the parameters are in the ranges above.
    public init(seed: UInt64, dimensions: Int = 10, driftingFeatures: Int = 2, magnitude: Double = 0.001,
                reversalProbability: Double = 0.1, noise: Double = 0.05) {
        precondition(dimensions >= 1 && (0...dimensions).contains(driftingFeatures),
                     "RotatingHyperplane: needs dimensions ≥ 1 and driftingFeatures in 0...dimensions")
        precondition(magnitude >= 0 && magnitude.isFinite && (0...1).contains(reversalProbability) && (0...1).contains(noise),
                     "RotatingHyperplane: magnitude must be finite and not negative; probabilities in [0, 1]")
        self.dimensions = dimensions
        self.driftingFeatures = driftingFeatures
        self.magnitude = magnitude
        self.reversalProbability = reversalProbability
        self.noise = noise
        var rng = Xoshiro256StarStar(seed: seed)
        weights = (0..<dimensions).map { _ in rng.nextUniform() }
        directions = Array(repeating: 1, count: driftingFeatures)
        self.rng = rng
    }

    /// The noise-free label of `features` under `weights`: 1 if `Σ w_i x_i ≥ ½ Σ w_i`, else 0.
    public static func label(of features: [Double], weights: [Double]) -> Int {
        var dot = 0.0, sum = 0.0
        for i in weights.indices {
            dot += weights[i] * features[i]
            sum += weights[i]
        }
        return dot >= 0.5 * sum ? 1 : 0
    }

    public mutating func nextSample() -> LabeledSample {
        var features = [Double](repeating: 0, count: dimensions)
        for i in 0..<dimensions { features[i] = rng.nextUniform() }
        var label = Self.label(of: features, weights: weights)
        if rng.nextUniform() < noise { label = 1 - label }
        for i in 0..<driftingFeatures {
            weights[i] += directions[i] * magnitude
            if rng.nextUniform() < reversalProbability { directions[i] = -directions[i] }
        }
        position += 1
        return LabeledSample(features: features, label: label, concept: 0)
    }
}
