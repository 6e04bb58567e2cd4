/// An operator that keeps state across batches and emits batches of its own
/// (the end of a fused stage).
public protocol StatefulOperator: AnyObject {
    /// Consumes the selected rows of `batch`; calls `emit` with results that became final.
    func process(_ batch: Batch, _ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws
    /// End of input: emits everything still held.
    func finish(_ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws
    var explanation: String { get }
    /// Bytes of state currently held.
    var stateBytes: Int { get }
    /// The slots of the grouping key fields: a parallel run routes rows to shards by them.
    var keySlots: [Int] { get }
    /// The slot of the event-time field, if the operator uses event time.
    var eventTimeSlot: Int? { get }
    /// In a parallel run, the largest event time of the whole micro-batch about to be processed
    /// (all shards' rows), so every shard advances its watermark exactly as a single shard would.
    var batchMaxTimeHint: Int64? { get set }
    /// In a parallel run, per row of the batch: the largest event time of the rows before it in
    /// the batch, all shards included (`.min` if none), for per-event lateness decisions.
    var rowWatermarkHint: UnsafePointer<Int64>? { get set }
}
