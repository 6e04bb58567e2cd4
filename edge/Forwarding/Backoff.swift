/// Exponential backoff with full jitter (AWS's "full jitter": a uniform wait between zero and the
/// exponential ceiling), so many agents that lost the same collector do not all retry in step.
///
/// A value: ``next(random:)`` returns the wait before the next attempt and the backoff that follows;
/// ``reset()`` after a success. The random source is passed in, so tests are deterministic.
public struct Backoff: Sendable, Equatable {
    public let initialSeconds: Double
    public let maxSeconds: Double
    public let multiplier: Double
    /// Failed attempts since the last success.
    public private(set) var failures = 0

    public init(initialSeconds: Double = 0.1, maxSeconds: Double = 30, multiplier: Double = 2) {
        self.initialSeconds = initialSeconds
        self.maxSeconds = max(initialSeconds, maxSeconds)
        self.multiplier = max(1, multiplier)
    }

    /// The ceiling of the wait after `failures` failures: initial × multiplier^(failures−1), capped.
    public var ceilingSeconds: Double {
        guard failures > 0 else { return 0 }
        var c = initialSeconds
        for _ in 1..<min(failures, 64) where c < maxSeconds { c *= multiplier }
        return min(c, maxSeconds)
    }

    /// Records a failure; returns how long to wait before trying again: uniform in [0, ceiling].
    public mutating func next(random: inout some RandomNumberGenerator) -> Double {
        failures += 1
        return Double.random(in: 0...ceilingSeconds, using: &random)
    }

    public mutating func reset() { failures = 0 }
}
