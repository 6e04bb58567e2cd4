#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mean log loss (cross-entropy) `-log p(true class)`, over the whole stream
/// and over the last `windowSize` rows.
///
/// Probabilities are clipped to `[1e-15, 1]` first, as scikit-learn and River
/// do, so one confident mistake costs at most `-log(1e-15) ≈ 34.5` instead of infinity.
public struct LogLoss: Sendable {
    public static let epsilon = 1e-15
    public let windowSize: Int
    public private(set) var count = 0
    private var total = CompensatedSum()
    private var window: RollingMean

    public init(windowSize: Int = 1000) {
        self.windowSize = windowSize
        window = RollingMean(capacity: windowSize)
    }

    /// `probability`: what the model gave the class that turned out true.
    public mutating func update(probabilityOfTrueClass probability: Double) {
        let loss = -log(min(max(probability, Self.epsilon), 1))
        count += 1
        total.add(loss)
        window.add(loss)
    }

    public var value: Double? { count == 0 ? nil : total.value / Double(count) }
    public var windowValue: Double? { window.mean }
}
