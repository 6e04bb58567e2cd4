/// Where records come from. A source decodes bytes straight into the
/// columns of the plan's input batch (slots `0..<plan.inputSchema.count`),
/// interning key fields with the batch columns' dictionaries, and reports
/// every record it cannot decode to the dead letters.
public protocol RecordSource: AnyObject {
    /// A short name for dead letters and the summary (a file path, `stdin`, a topic).
    var name: String { get }
    /// Prepares to decode records of `schema`; throws when the input cannot provide it
    /// (e.g. a CSV header lacking a field).
    func open(schema: Schema) throws
    /// Decodes the next records into `batch`, which the caller has reset.
    /// Returns `false` once the input is exhausted and nothing more was decoded.
    func next(into batch: Batch, deadLetters: DeadLetters) throws -> Bool
    /// Records seen so far, decoded or not.
    var recordsRead: Int64 { get }
    var bytesRead: Int64 { get }
    /// Total input size when known (files), for progress.
    var totalBytes: Int64? { get }
}

/// Where results go.
public protocol RecordSink: AnyObject {
    func open(schema: Schema) throws
    /// Writes the selected rows of `batch`, the columns in `slots` in order.
    func write(_ batch: Batch, slots: [Int]) throws
    /// Makes everything written so far durable downstream (files: written out; Kafka: every
    /// message acknowledged, or this throws). A checkpoint waits for it before it counts.
    func flush() throws
    /// Flushes and closes.
    func close() throws
    var recordsWritten: Int64 { get }
}
