/// Fraction of correct predictions, over the whole stream and over the last
/// `windowSize` rows. Exact: integer counts.
public struct Accuracy: Sendable {
    public let windowSize: Int
    public private(set) var count = 0
    public private(set) var correct = 0
    private var ring: [UInt8]
    private var head = 0
    private var windowCount = 0
    private var windowCorrect = 0

    public init(windowSize: Int = 1000) {
        precondition(windowSize > 0)
        self.windowSize = windowSize
        ring = Array(repeating: 0, count: windowSize)
    }

    public mutating func update(correct isCorrect: Bool) {
        let hit = isCorrect ? 1 : 0
        count += 1
        correct += hit
        if windowCount == windowSize { windowCorrect -= Int(ring[head]) } else { windowCount += 1 }
        ring[head] = UInt8(hit)
        windowCorrect += hit
        head += 1
        if head == windowSize { head = 0 }
    }

    /// Over the whole stream; `nil` before the first row.
    public var value: Double? { count == 0 ? nil : Double(correct) / Double(count) }
    /// Over the last `windowSize` rows.
    public var windowValue: Double? { windowCount == 0 ? nil : Double(windowCorrect) / Double(windowCount) }
}
