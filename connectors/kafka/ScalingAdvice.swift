/// How many consumer-group workers a pipeline needs: the signal an autoscaler acts on.
///
/// A worker's *capacity* is what it would process with its threads always busy: its recent rate
/// divided by the fraction of time its threads worked (a worker at 25 % doing 100 k records/s
/// could do about 400 k). The group needs enough capacity for the input rate plus the backlog
/// (lag) worked off within `catchUpSeconds`, and never more workers than partitions (a partition
/// is read by one worker at a time).
public struct ScalingAdvice: Sendable, Equatable {
    /// Records arriving per second (growth of the topic's end offsets).
    public var inputRate: Double
    /// Records not yet processed by the group.
    public var lag: Int64
    /// Estimated records per second one worker handles at full load (mean over reporting workers), if any reported work.
    public var capacityPerWorker: Double?
    public var partitions: Int
    public var catchUpSeconds: Double
    /// The recommendation, nil when no worker has reported enough work to estimate its capacity
    /// while there is work to do.
    public var recommendedWorkers: Int?

    /// - Parameter capacities: per reporting worker whose capacity is known, records per second at full load
    ///   (see ``capacity(rate:utilization:)``).
    public init(inputRate: Double, lag: Int64, capacities: [Double], partitions: Int, catchUpSeconds: Double = 60) {
        self.inputRate = max(0, inputRate)
        self.lag = max(0, lag)
        self.partitions = max(1, partitions)
        self.catchUpSeconds = max(1, catchUpSeconds)
        let known = capacities.filter { $0 > 0 && $0.isFinite }
        capacityPerWorker = known.isEmpty ? nil : known.reduce(0, +) / Double(known.count)
        let demand = self.inputRate + Double(self.lag) / self.catchUpSeconds
        if demand == 0 {
            recommendedWorkers = 1
        } else if let capacity = capacityPerWorker, capacity > 0 {
            recommendedWorkers = min(self.partitions, max(1, Int((demand / capacity).rounded(.up))))
        } else {
            recommendedWorkers = nil
        }
    }

    /// A worker's capacity from a period in which it processed `rate` records per second with its
    /// threads busy `utilization` of the time; nil when it did too little to tell (idle, starting).
    public static func capacity(rate: Double, utilization: Double) -> Double? {
        guard rate > 0, utilization >= 0.01 else { return nil }
        return rate / min(1, utilization)
    }
}
