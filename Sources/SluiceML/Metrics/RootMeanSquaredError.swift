#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sqrt(mean((prediction - target)²))`, over the whole stream and over the last `windowSize` rows.
public struct RootMeanSquaredError: Sendable {
    public let windowSize: Int
    public private(set) var count = 0
    private var total = CompensatedSum()
    private var window: RollingMean

    public init(windowSize: Int = 1000) {
        self.windowSize = windowSize
        window = RollingMean(capacity: windowSize)
    }

    public mutating func update(prediction: Double, target: Double) {
        let e = prediction - target
        count += 1
        total.add(e * e)
        window.add(e * e)
    }

    public var value: Double? { count == 0 ? nil : sqrt(max(0, total.value) / Double(count)) }
    public var windowValue: Double? { window.mean.map { sqrt(max(0, $0)) } }
}
