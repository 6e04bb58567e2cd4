/// A univariate stream made of stationary segments with known change points:
/// the reference input for drift detectors (a model's 0/1 error stream with a
/// rising error rate, a feature whose mean shifts).
///
/// Each ``Segment`` starts at a row and draws i.i.d. values from its
/// ``Distribution`` until the next segment starts. Deterministic by seed
/// (a ``Xoshiro256StarStar``: one uniform per Bernoulli value, two per Gaussian
/// value). An endless `Sequence` of `Double`: `next()` never returns `nil`.
///
/// ```swift
/// // Error rate 0.1, then 0.4 from row 5000 on.
/// var errors = ChangePointStream(seed: 1, .bernoulli(0.1), changes: [(5_000, .bernoulli(0.4))])
/// let values = errors.values(10_000)
/// ```
public struct ChangePointStream: Sequence, IteratorProtocol, Sendable, Equatable, Codable {
    /// What a segment draws its values from.
    public enum Distribution: Sendable, Hashable, Codable, CustomStringConvertible {
        /// 1 with probability `p`, else 0: a classifier's error indicator with error rate `p`.
        case bernoulli(Double)
        /// A normal distribution.
        case gaussian(mean: Double, standardDeviation: Double)

        /// The distribution's mean.
        public var mean: Double {
            switch self {
            case .bernoulli(let p): p
            case .gaussian(let mean, _): mean
            }
        }

        /// The distribution's standard deviation.
        public var standardDeviation: Double {
            switch self {
            case .bernoulli(let p): (p * (1 - p)).squareRoot()
            case .gaussian(_, let sd): sd
            }
        }

        public var description: String {
            switch self {
            case .bernoulli(let p): "Bernoulli(\(p))"
            case .gaussian(let mean, let sd): "N(\(mean), \(sd)²)"
            }
        }
    }

    /// A stationary stretch of the stream.
    public struct Segment: Sendable, Hashable, Codable {
        /// The first row of the segment.
        public var start: Int
        /// Where its values come from.
        public var distribution: Distribution

        /// A segment starting at row `start` (0-based) and drawing from `distribution`.
        public init(start: Int, distribution: Distribution) {
            self.start = start
            self.distribution = distribution
        }
    }

    /// The segments, by increasing start; the first starts at row 0.
    public let segments: [Segment]
    /// The number of values produced so far (the 0-based index of the next value).
    public private(set) var position: Int = 0
    private var segmentIndex = 0
    private var rng: Xoshiro256StarStar

    /// Creates a stream from its segments.
    /// - Precondition: there is at least one segment, the first starts at 0, the
    ///   starts strictly increase, Bernoulli probabilities are in [0, 1] and
    ///   Gaussian parameters are finite with a non-negative standard deviation.
    public init(seed: UInt64, segments: [Segment]) {
        precondition(segments.first?.start == 0, "ChangePointStream: the first segment must start at row 0")
        precondition(zip(segments, segments.dropFirst()).allSatisfy { $0.start < $1.start },
                     "ChangePointStream: segment starts must strictly increase")
        for segment in segments {
            switch segment.distribution {
            case .bernoulli(let p): precondition((0...1).contains(p), "ChangePointStream: Bernoulli p must be in [0, 1]")
            case .gaussian(let mean, let sd):
                precondition(mean.isFinite && sd.isFinite && sd >= 0, "ChangePointStream: invalid Gaussian parameters")
            }
        }
        self.segments = segments
        self.rng = Xoshiro256StarStar(seed: seed)
    }

    /// Creates a stream that starts with `initial` and switches to each
    /// distribution of `changes` at its row.
    public init(seed: UInt64, _ initial: Distribution, changes: [(at: Int, to: Distribution)] = []) {
        self.init(seed: seed, segments: [Segment(start: 0, distribution: initial)]
            + changes.map { Segment(start: $0.at, distribution: $0.to) })
    }

    /// The rows where a new segment starts: the true change points.
    public var changePoints: [Int] { segments.dropFirst().map(\.start) }

    /// The distribution of row `t`.
    public func distribution(at t: Int) -> Distribution {
        segments.last { $0.start <= t }!.distribution
    }

    /// The next value.
    public mutating func nextValue() -> Double {
        while segmentIndex + 1 < segments.count && segments[segmentIndex + 1].start <= position { segmentIndex += 1 }
        position += 1
        switch segments[segmentIndex].distribution {
        case .bernoulli(let p): return rng.nextUniform() < p ? 1 : 0
        case .gaussian(let mean, let sd): return rng.nextGaussian(mean: mean, standardDeviation: sd)
        }
    }

    /// The next value; never `nil` (the stream is endless).
    public mutating func next() -> Double? { nextValue() }

    /// The next `count` values.
    public mutating func values(_ count: Int) -> [Double] {
        (0..<Swift.max(0, count)).map { _ in nextValue() }
    }
}
