/// Receives what a run does as it happens, for metrics (the `sluice` command's Prometheus
/// exporter implements it with swift-metrics). Called from the runtime's threads — the reader and
/// every shard — concurrently, at most a few times per micro-batch and never per record, so an
/// implementation must be thread-safe and cheap (an atomic add or a histogram record).
///
/// The core library defines only this protocol, so it depends on no metrics package.
public protocol RunObserver: AnyObject, Sendable {
    /// The operators the run will report on, by index: `names[i]` for ``operatorProcessed(_:rowsIn:rowsOut:)``.
    /// Called once before the run starts.
    func start(operators names: [String])
    /// The reader handed a block of `records` records (`bytes` bytes) to the pipeline.
    func recordsRead(_ records: Int, bytes: Int)
    /// Operator `index` received `rowsIn` rows of a micro-batch and passed `rowsOut` on (a window:
    /// rows in, windows emitted).
    func operatorProcessed(_ index: Int, rowsIn: Int, rowsOut: Int)
    /// Rows written to the output, with the event-time watermark of the plan that emitted them
    /// (epoch milliseconds, `Int64.min` if it has none): the emission's event-time position.
    func recordsWritten(_ rows: Int, watermark: Int64)
    /// A micro-batch went through every shard: wall seconds from the start of its decoding to the end
    /// of its last shard.
    func microBatchCompleted(seconds: Double)
}
