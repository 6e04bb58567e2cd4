#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The step size an ``Optimizer`` uses at update `t` (0 for the first update).
///
/// - ``constant(_:)``: `rate` at every update. Right for non-stationary
///   streams, which is what online learning is for: the model keeps adapting.
/// - ``inverseScaling(initial:power:)``: `initial / (t + 1)^power`, the
///   schedule of scikit-learn's `invscaling`. Converges on a stationary
///   stream, at the price of adapting ever more slowly.
///
/// JSON: `{"schedule": "constant", "rate": 0.01}` or
/// `{"schedule": "inverse_scaling", "rate": 0.1, "power": 0.5}`.
public enum LearningRate: Sendable, Hashable, Codable, CustomStringConvertible {
    case constant(Double)
    case inverseScaling(initial: Double, power: Double)

    /// The rate for update `step` (0-based).
    @inlinable
    public func rate(at step: Int) -> Double {
        switch self {
        case .constant(let rate): return rate
        case .inverseScaling(let initial, let power): return initial / pow(Double(step) + 1, power)
        }
    }

    public var description: String {
        switch self {
        case .constant(let rate): return "constant \(rate)"
        case .inverseScaling(let initial, let power): return "\(initial) / (t+1)^\(power)"
        }
    }

    private enum CodingKeys: String, CodingKey { case schedule, rate, power }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let schedule = try c.decode(String.self, forKey: .schedule)
        let rate = try c.decode(Double.self, forKey: .rate)
        switch schedule {
        case "constant": self = .constant(rate)
        case "inverse_scaling": self = .inverseScaling(initial: rate, power: try c.decode(Double.self, forKey: .power))
        default:
            throw DecodingError.dataCorruptedError(forKey: .schedule, in: c, debugDescription: "unknown learning-rate schedule '\(schedule)' (constant, inverse_scaling)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .constant(let rate):
            try c.encode("constant", forKey: .schedule)
            try c.encode(rate, forKey: .rate)
        case .inverseScaling(let initial, let power):
            try c.encode("inverse_scaling", forKey: .schedule)
            try c.encode(initial, forKey: .rate)
            try c.encode(power, forKey: .power)
        }
    }
}
