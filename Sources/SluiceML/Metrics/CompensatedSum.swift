/// A running sum with Neumaier's compensation: the rounding error of every
/// addition is carried, so millions of small terms (log losses, squared
/// errors) sum to within an ulp or two of the exact total, and a rolling
/// window can subtract what it added without drifting.
public struct CompensatedSum: Sendable, Hashable {
    private var sum = 0.0
    private var compensation = 0.0

    public init() {}

    @inline(__always)
    public mutating func add(_ x: Double) {
        let t = sum + x
        if abs(sum) >= abs(x) {
            compensation += (sum - t) + x
        } else {
            compensation += (x - t) + sum
        }
        sum = t
    }

    public var value: Double { sum + compensation }
}
