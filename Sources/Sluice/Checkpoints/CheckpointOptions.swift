/// How a run takes checkpoints.
public struct CheckpointOptions {
    public var store: CheckpointStore
    /// Seconds between checkpoints (measured on the reader thread, between blocks).
    public var intervalSeconds: Double
    /// Called after each checkpoint is durable and its positions were handed to the source.
    public var completed: (@Sendable (CheckpointReport) -> Void)?
    /// Called once on start when the run resumes from a checkpoint (before any record is read).
    public var restored: (@Sendable (Checkpoint) -> Void)?
    /// Called on start with the problems of newer checkpoint files that could not be read (each
    /// passed over for an older one): a damaged file is reported, never silently ignored.
    public var skippedFiles: (@Sendable ([String]) -> Void)?
    /// Exactly-once output: each checkpoint also commits an output transaction (see ``TransactionalOutput``).
    public var transactional: TransactionalOutput?

    public init(store: CheckpointStore, intervalSeconds: Double = 10, completed: (@Sendable (CheckpointReport) -> Void)? = nil,
                restored: (@Sendable (Checkpoint) -> Void)? = nil) {
        self.store = store
        self.intervalSeconds = intervalSeconds
        self.completed = completed
        self.restored = restored
    }
}

/// One durable checkpoint, for logs and metrics.
public struct CheckpointReport: Sendable {
    public var id: Int64
    /// Operator state, uncompressed, and the file written (compressed).
    public var stateBytes: Int
    public var fileBytes: Int
    /// From the barrier entering the pipeline to the file being durable and positions committed.
    public var seconds: Double
    public var positions: [Int64]
}

/// Exactly-once output through a transactional sink (Kafka transactions): the output written
/// between two checkpoints and the input positions of the second commit together, or not at all.
///
/// The runtime then stops every shard at a barrier until the checkpoint and its transaction
/// committed (output after the barrier must not join the transaction), writes the checkpoint file
/// *before* committing the transaction, and on start restores only a checkpoint whose transaction
/// committed (``isCommitted``) — the newest one otherwise belongs to an aborted transaction, whose
/// output nobody reading committed data ever saw.
public struct TransactionalOutput {
    /// Commits the open transaction with the checkpoint's positions; begins the next one unless `last`.
    public var commit: (_ checkpoint: Checkpoint, _ last: Bool) throws -> Void
    /// Whether the transaction of this checkpoint committed (e.g. the group's committed offsets equal its positions).
    public var isCommitted: (_ checkpoint: Checkpoint) throws -> Bool

    public init(commit: @escaping (_ checkpoint: Checkpoint, _ last: Bool) throws -> Void, isCommitted: @escaping (_ checkpoint: Checkpoint) throws -> Bool) {
        self.commit = commit
        self.isCommitted = isCommitted
    }
}
