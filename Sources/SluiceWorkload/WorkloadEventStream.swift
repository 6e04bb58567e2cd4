/// The canonical workload's events, drawn in `gen_events.py`'s exact order.
///
/// Each event consumes the random stream as the Python generator does: sensor
/// (`int(random() * 1000)`), temperature (`round(gauss(2100, 800))` clipped to
/// [-4000, 8000] hundredths), humidity (`int(random() * 10001)` hundredths), the dirt draw,
/// and for a dirty event its kind's extra draws. Any change here changes the workload.
public struct WorkloadEventStream: IteratorProtocol, Sequence, Sendable {
    private var rng: MersenneTwister
    private var nextIndex: Int
    /// Total number of events the stream yields.
    public let count: Int

    /// A stream of `count` events for `seed`.
    public init(count: Int, seed: UInt64 = Workload.defaultSeed) {
        precondition(count >= 0, "event count must not be negative")
        self.rng = MersenneTwister(seed: seed)
        self.nextIndex = 0
        self.count = count
    }

    /// Number of events already yielded.
    public var produced: Int { nextIndex }

    /// The next event, or `nil` after ``count`` events.
    public mutating func next() -> WorkloadEvent? {
        guard nextIndex < count else { return nil }
        let timestamp = Workload.firstTimestamp + Int64(nextIndex)
        nextIndex += 1
        let sensor = Int(rng.random() * Double(Workload.sensorCount))
        let drawn = Int(rng.gauss(mu: 2100.0, sigma: 800.0).rounded(.toNearestOrEven))
        var temperature: Int? = drawn < -4000 ? -4000 : (drawn > 8000 ? 8000 : drawn)
        var humidity = Int(rng.random() * 10001.0)
        var isOK = true
        let dirt = rng.random()
        if dirt < 0.02 {
            switch Int(dirt / 0.005) {
            case 0:
                temperature = nil
            case 1:
                temperature = rng.random() < 0.5
                    ? 15001 + Int(rng.random() * 85000.0)
                    : -5001 - Int(rng.random() * 45000.0)
            case 2:
                humidity = rng.random() < 0.5
                    ? 10001 + Int(rng.random() * 5000.0)
                    : -1 - Int(rng.random() * 5000.0)
            default:
                isOK = false
            }
        }
        return WorkloadEvent(sensor: sensor, timestamp: timestamp, temperatureCenti: temperature,
                             humidityCenti: humidity, isOK: isOK)
    }
}
