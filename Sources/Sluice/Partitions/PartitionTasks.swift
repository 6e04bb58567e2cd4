/// The partitions a worker owns: for each, the plan holding its state and the shard (thread) that
/// runs it. Changed only by the reader thread while no block is in flight (after a drain); read by
/// the decoding and shard threads.
final class PartitionTasks {
    final class Task {
        let plan: PhysicalPlan
        let shard: Int
        let assignedAt: Double
        /// Until the shard processed the partition's first records (then it reports the delay); owner shard only.
        var awaitingFirstRecords = true

        init(plan: PhysicalPlan, shard: Int, assignedAt: Double) {
            self.plan = plan
            self.shard = shard
            self.assignedAt = assignedAt
        }
    }

    let shards: Int
    private(set) var tasks: [Int: Task] = [:]
    /// Windows emitted by plans of partitions since revoked (for the run summary).
    private(set) var retiredWindows = 0

    init(shards: Int) { self.shards = max(1, shards) }

    /// Adds `partition`'s plan on the shard running the fewest partitions (lowest index on ties),
    /// so a worker's partitions spread evenly over its threads whichever ones it gets.
    @discardableResult
    func add(_ partition: Int, plan: PhysicalPlan, now: Double) -> Int {
        var load = Array(repeating: 0, count: shards)
        for task in tasks.values { load[task.shard] += 1 }
        let shard = load.indices.min { load[$0] < load[$1] } ?? 0
        tasks[partition] = Task(plan: plan, shard: shard, assignedAt: now)
        return shard
    }

    func remove(_ partition: Int) -> Task? {
        guard let task = tasks.removeValue(forKey: partition) else { return nil }
        retiredWindows += task.plan.windowsEmitted
        return task
    }

    subscript(partition: Int) -> Task? { tasks[partition] }

    /// Partitions run by `shard`, in order.
    func partitions(onShard shard: Int) -> [Int] { tasks.filter { $0.value.shard == shard }.map(\.key).sorted() }

    var partitions: [Int] { tasks.keys.sorted() }
}

extension PhysicalPlan {
    /// Windows emitted by every window operator of the plan.
    var windowsEmitted: Int { stages.compactMap { $0.terminal as? any WindowOperator }.reduce(0) { $0 + $1.windowsEmitted } }

    /// The watermark of the plan's first window (`Int64.min`: none yet, or no window).
    public var firstWindowWatermark: Int64 {
        stages.lazy.compactMap { $0.terminal as? any WindowOperator }.first?.watermark ?? .min
    }
}
