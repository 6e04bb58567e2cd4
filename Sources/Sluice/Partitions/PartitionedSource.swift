/// A source whose partitions come and go while it runs (Kafka `mode=subscribe`: the consumer group
/// assigns them). With ``ParallelRunner/partitionState`` set, the runtime keeps one plan — one set
/// of operator state — per partition, and moves it through a ``PartitionStateStore`` when the
/// partition moves, so any worker of the group can take over any partition.
public protocol PartitionedSource: DrainableSource, CheckpointableSource {
    /// Set by the runtime for the length of a run.
    var partitionHandler: (any PartitionAssignmentHandler)? { get set }
}

/// What the runtime does when partitions arrive or leave. Both are called on the reader thread,
/// inside the source's ``BlockSource/next(into:maxLines:)`` (or while it waits for room).
public protocol PartitionAssignmentHandler: AnyObject {
    /// Before the partitions deliver anything: restores their saved state; returns, for those that
    /// had any, the position to read from (the others start at the source's configured start).
    func partitionsAssigned(_ partitions: [Int]) throws -> [Int: Int64]
    /// Before the partitions are let go: finishes every block handed out, flushes the output, and
    /// saves each partition's state at its position (the next record to read; < 0: none read).
    func partitionsRevoked(_ partitions: [Int], positions: [Int: Int64]) throws
}

/// How a run keeps state per partition (see ``PartitionedSource``).
public struct PartitionStateOptions {
    public var store: PartitionStateStore
    /// Seconds between periodic saves of every owned partition (then the source commits their positions).
    public var intervalSeconds: Double
    /// Called for every assignment, revocation and save; from the reader or a shard thread.
    public var events: (@Sendable (PartitionStateEvent) -> Void)?

    public init(store: PartitionStateStore, intervalSeconds: Double = 10, events: (@Sendable (PartitionStateEvent) -> Void)? = nil) {
        self.store = store
        self.intervalSeconds = intervalSeconds
        self.events = events
    }
}

/// What happened to this worker's partitions, for logs, status files and rebalance timings.
public enum PartitionStateEvent: Sendable {
    /// Partitions arrived; those in `restored` resume from saved state at that position (the rest
    /// start fresh). `stateBytes` were read and restored in `seconds`.
    case assigned(partitions: [Int], restored: [Int: Int64], stateBytes: Int, seconds: Double, skipped: [String])
    /// A newly assigned partition's first records were processed, `seconds` after its assignment.
    case processing(partition: Int, seconds: Double)
    /// Partitions left after their blocks were drained, output flushed and state saved (`seconds` in all).
    case revoked(partitions: [Int], stateBytes: Int, fileBytes: Int, seconds: Double)
    /// Every owned partition's state was saved (periodically, or `final` at the end of the run).
    case saved(PartitionSaveReport)
}

/// One save of every partition a worker owns.
public struct PartitionSaveReport: Sendable {
    /// Every owned partition with a known position.
    public var partitions: [PartitionProgress]
    /// Partitions whose state changed since their last save and was written (idle ones are not rewritten).
    public var written: Int
    public var stateBytes: Int
    public var fileBytes: Int
    /// From the barrier entering the pipeline to the files being durable and positions committed.
    public var seconds: Double
    /// Records read by this worker since it started.
    public var recordsRead: Int64
    /// Seconds since the run started.
    public var uptimeSeconds: Double
    /// Seconds the shards spent working since the run started, summed over shards, and the shard count:
    /// `busySeconds / (uptime × shards)` is how close to capacity the worker runs.
    public var busySeconds: Double
    public var shards: Int
    public var final: Bool
}

/// Where one partition stands.
public struct PartitionProgress: Sendable, Equatable {
    public var partition: Int
    /// The next record to read.
    public var position: Int64
    /// Event-time watermark of the partition's first window (`Int64.min`: none yet).
    public var watermark: Int64
    public var stateBytes: Int

    public init(partition: Int, position: Int64, watermark: Int64, stateBytes: Int) {
        self.partition = partition
        self.position = position
        self.watermark = watermark
        self.stateBytes = stateBytes
    }
}
