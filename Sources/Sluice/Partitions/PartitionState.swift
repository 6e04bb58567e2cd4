/// The state of one input partition's operators (its windows, normalizers, features: every key
/// that partition carries) after exactly the records before ``position``. It is what moves when a
/// consumer-group rebalance gives the partition to another worker.
///
/// Processing a partition depends on nothing but that partition's records (each partition has its
/// own operators and its own watermark), so a state saved at a position is valid whoever saved it:
/// the newest (highest position) state is always the one to resume from, with no fencing needed
/// against a worker that lost the partition but has not noticed yet.
public struct PartitionState: Sendable, Equatable {
    public var pipeline: String
    /// The source the position belongs to (e.g. `kafka://sensors`).
    public var source: String
    public var partition: Int
    /// The next record to read (Kafka: offset).
    public var position: Int64
    /// The partition's event-time watermark when saved (`Int64.min`: none yet), for status displays.
    public var watermark: Int64
    /// Wall-clock time it was saved, epoch milliseconds.
    public var createdAtMilliseconds: Int64
    /// ``PhysicalPlan/saveState()`` of the partition's plan.
    public var state: [UInt8]

    public init(pipeline: String, source: String, partition: Int, position: Int64, watermark: Int64, createdAtMilliseconds: Int64, state: [UInt8]) {
        self.pipeline = pipeline
        self.source = source
        self.partition = partition
        self.position = position
        self.watermark = watermark
        self.createdAtMilliseconds = createdAtMilliseconds
        self.state = state
    }

    func encoded() -> [UInt8] {
        var w = StateWriter()
        w.write(pipeline)
        w.write(source)
        w.write(partition)
        w.write(position)
        w.write(watermark)
        w.write(createdAtMilliseconds)
        w.write(state)
        return w.bytes
    }

    init(decoding bytes: [UInt8]) throws(CheckpointError) {
        var r = StateReader(bytes)
        pipeline = try r.readString()
        source = try r.readString()
        partition = try r.readInt()
        position = try r.read()
        watermark = try r.read()
        createdAtMilliseconds = try r.read()
        state = try r.readArray()
        guard r.isAtEnd else { throw .corrupt("bytes after the partition's state") }
    }

    /// Whether this state can be restored into `pipeline` reading `source`.
    public func checkMatches(pipeline: String, source: String) throws(CheckpointError) {
        guard pipeline == self.pipeline else { throw .mismatch("partition \(partition)'s state was saved by pipeline '\(self.pipeline)', this run is '\(pipeline)'; give each pipeline its own --checkpoint-dir") }
        guard source == self.source else { throw .mismatch("partition \(partition)'s state was saved reading \(self.source), this run reads \(source)") }
    }
}
