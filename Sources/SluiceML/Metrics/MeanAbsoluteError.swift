/// Mean of `|prediction - target|`, over the whole stream and over the last `windowSize` rows.
public struct MeanAbsoluteError: Sendable {
    public let windowSize: Int
    public private(set) var count = 0
    private var total = CompensatedSum()
    private var window: RollingMean

    public init(windowSize: Int = 1000) {
        self.windowSize = windowSize
        window = RollingMean(capacity: windowSize)
    }

    public mutating func update(prediction: Double, target: Double) {
        let e = abs(prediction - target)
        count += 1
        total.add(e)
        window.add(e)
    }

    public var value: Double? { count == 0 ? nil : total.value / Double(count) }
    public var windowValue: Double? { window.mean }
}
