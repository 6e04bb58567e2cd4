/// One consistent cut of a run: the state of every shard's operators after exactly the records
/// before ``positions``, and those source positions (for Kafka: per partition, the next offset
/// to read). Restoring it and reading on from ``positions`` continues the run as if it had never
/// stopped; output emitted after the checkpoint is emitted again, identically (at-least-once
/// with idempotent results).
public struct Checkpoint: Sendable, Equatable {
    /// Increases by one per checkpoint of a run, and across restarts.
    public var id: Int64
    public var pipeline: String
    /// The source the positions belong to (e.g. `kafka://sensors`).
    public var source: String
    public var shards: Int
    public var keyGroups: Int
    /// Per source partition: where to continue reading.
    public var positions: [Int64]
    /// Per shard: ``PhysicalPlan/saveState()``.
    public var shardStates: [[UInt8]]
    /// Wall-clock time it was taken, epoch milliseconds.
    public var createdAtMilliseconds: Int64

    public init(id: Int64, pipeline: String, source: String, shards: Int, keyGroups: Int, positions: [Int64], shardStates: [[UInt8]],
                createdAtMilliseconds: Int64) {
        self.id = id
        self.pipeline = pipeline
        self.source = source
        self.shards = shards
        self.keyGroups = keyGroups
        self.positions = positions
        self.shardStates = shardStates
        self.createdAtMilliseconds = createdAtMilliseconds
    }

    /// Bytes of operator state, uncompressed.
    public var stateBytes: Int { shardStates.reduce(0) { $0 + $1.count } }

    func encoded() -> [UInt8] {
        var w = StateWriter()
        w.write(id)
        w.write(pipeline)
        w.write(source)
        w.write(shards)
        w.write(keyGroups)
        w.write(positions)
        w.write(createdAtMilliseconds)
        w.write(shardStates.count)
        for s in shardStates { w.write(s) }
        return w.bytes
    }

    init(decoding bytes: [UInt8]) throws(CheckpointError) {
        var r = StateReader(bytes)
        id = try r.read()
        pipeline = try r.readString()
        source = try r.readString()
        shards = try r.readInt()
        keyGroups = try r.readInt()
        positions = try r.readArray()
        createdAtMilliseconds = try r.read()
        let n = try r.readInt()
        guard n == shards else { throw .corrupt("\(n) shard states for \(shards) shards") }
        shardStates = []
        for _ in 0..<n { shardStates.append(try r.readArray()) }
        guard r.isAtEnd else { throw .corrupt("bytes after the last shard's state") }
    }

    /// Whether this checkpoint can be restored into a run of `pipeline` reading `source` with this layout.
    public func checkMatches(pipeline: String, source: String, shards: Int, keyGroups: Int) throws(CheckpointError) {
        guard pipeline == self.pipeline else { throw .mismatch("it was taken by pipeline '\(self.pipeline)', this run is '\(pipeline)'") }
        guard source == self.source else { throw .mismatch("it was taken reading \(self.source), this run reads \(source)") }
        guard shards == self.shards, keyGroups == self.keyGroups else {
            throw .mismatch("it was taken with \(self.shards) shards and \(self.keyGroups) key groups; run with --shards \(self.shards) --key-groups \(self.keyGroups), or start over with an empty checkpoint directory")
        }
    }
}
