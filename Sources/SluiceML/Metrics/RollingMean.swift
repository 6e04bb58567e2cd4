/// The mean of the last `capacity` values of a stream, in O(1) per value
/// and `capacity` doubles of memory (a ring allocated once).
///
/// The sum is updated by adding the new value and subtracting the evicted
/// one, compensated (``CompensatedSum``), and recomputed from the ring every
/// `capacity` values, so rounding cannot accumulate over a long stream.
public struct RollingMean: Sendable {
    public let capacity: Int
    private var ring: [Double]
    private var head = 0
    /// Values in the window (at most `capacity`).
    public private(set) var count = 0
    private var total = CompensatedSum()
    private var sinceRefresh = 0

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        ring = Array(repeating: 0, count: capacity)
    }

    public mutating func add(_ x: Double) {
        let evicted = ring[head]
        ring[head] = x
        head += 1
        if head == capacity { head = 0 }
        if count == capacity {
            total.add(-evicted)
        } else {
            count += 1
        }
        total.add(x)
        sinceRefresh += 1
        if sinceRefresh >= capacity {
            sinceRefresh = 0
            var fresh = CompensatedSum()
            for i in 0..<count { fresh.add(ring[i]) }
            total = fresh
        }
    }

    /// Sum of the values in the window.
    public var sum: Double { total.value }
    /// Mean of the window; `nil` while empty.
    public var mean: Double? { count == 0 ? nil : total.value / Double(count) }

    /// The values in the window, oldest first (allocates; for slow paths).
    public var values: [Double] {
        count < capacity ? Array(ring[0..<count]) : Array(ring[head...] + ring[..<head])
    }
}
