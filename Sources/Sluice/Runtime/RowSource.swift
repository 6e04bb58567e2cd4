/// An in-memory source of rows: for tests (including tests of your own
/// pipelines) and small inputs. Each row is a dictionary by field name;
/// missing fields are null. A value of the wrong type is rejected as
/// `invalid_value`, like a decoder would.
public final class RowSource: RecordSource {
    public let name: String
    private let rows: [[String: Value]]
    private var position = 0
    private var schema = Schema([])
    private var invalidReason: Int?
    public private(set) var recordsRead: Int64 = 0
    public var bytesRead: Int64 { 0 }
    public var totalBytes: Int64? { nil }

    public init(_ rows: [[String: Value]], name: String = "memory") {
        self.rows = rows
        self.name = name
    }

    public func open(schema: Schema) throws { self.schema = schema }

    public func next(into batch: Batch, deadLetters: DeadLetters) throws -> Bool {
        let reason = invalidReason ?? deadLetters.register(RejectionReason(.invalidValue, rule: "row"))
        invalidReason = reason
        batch.sourceName = name
        while position < rows.count && !batch.isFull {
            let record = rows[position]
            position += 1
            recordsRead += 1
            let row = batch.count
            var ok = true
            for (slot, field) in schema.fields.enumerated() {
                let value = record[field.name] ?? .null
                if !value.store(into: batch.columns[slot], row: row, arena: batch.arena) {
                    let text = record.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    try text.utf8CString.withUnsafeBytes { bytes in
                        try deadLetters.reject(source: name, record: recordsRead, offset: 0,
                                               data: UnsafeRawBufferPointer(rebasing: bytes.dropLast()), reason: reason,
                                               value: value.description, detail: "field '\(field.name)' is not a valid \(field.type)")
                    }
                    ok = false
                    break
                }
            }
            guard ok else { continue }
            batch.recordNumbers[row] = recordsRead
            batch.recordOffsets[row] = 0
            batch.recordLengths[row] = 0
            batch.count += 1
        }
        return batch.count > 0
    }
}

/// An in-memory sink that keeps every output row: for tests and small results.
public final class RowSink: RecordSink {
    public private(set) var schema = Schema([])
    public private(set) var rows: [[String: Value]] = []
    public var recordsWritten: Int64 { Int64(rows.count) }

    public init() {}

    public func open(schema: Schema) throws { self.schema = schema }

    public func write(_ batch: Batch, slots: [Int]) throws {
        for j in 0..<batch.selectedCount {
            let r = Int(batch.selection[j])
            var row: [String: Value] = [:]
            for (i, slot) in slots.enumerated() {
                row[schema.fields[i].name] = Value(batch.columns[slot], row: r, arena: batch.arena)
            }
            rows.append(row)
        }
    }

    /// Rows are in memory as soon as they are written.
    public func flush() throws {}

    public func close() throws {}
}

extension Pipeline {
    /// Runs the pipeline over in-memory rows and returns the output rows and
    /// the dead letters: the quickest way to unit-test a pipeline.
    public func run(_ rows: [[String: Value]], batchSize: Int? = nil) throws -> (output: [[String: Value]], deadLetters: DeadLetters, summary: RunSummary) {
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(spec, deadLetters: letters, batchSize: batchSize)
        let sink = RowSink()
        let summary = try PipelineRunner(plan: plan, source: RowSource(rows), sink: sink, deadLetters: letters).run()
        return (sink.rows, letters, summary)
    }
}
