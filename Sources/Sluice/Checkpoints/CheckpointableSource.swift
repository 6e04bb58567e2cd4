/// A ``BlockSource`` whose read position a checkpoint can record and a restarted run can resume
/// from (Kafka: the next offset per partition).
public protocol CheckpointableSource: BlockSource {
    /// Where reading continues after the blocks handed out so far. Read on the reader thread,
    /// between blocks.
    var checkpointPositions: [Int64] { get }
    /// Before ``BlockSource/open(schema:)``: start at these positions (from a checkpoint) instead
    /// of the source's own start (e.g. the consumer group's committed offsets).
    func resume(from positions: [Int64]) throws
    /// A checkpoint holding these positions is durable: the source may forget what lies before
    /// them (Kafka: commits them as the group's offsets). Called from any thread.
    func checkpointCompleted(_ positions: [Int64]) throws
    /// Whether the input ended because the run was asked to stop (rather than reaching its end):
    /// open windows then stay open in the final checkpoint instead of being flushed incomplete.
    var endedByStop: Bool { get }
}
