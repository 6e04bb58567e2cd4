/// Writes window result rows into output batches: the key fields, `window_start`, `window_end`
/// (session and count windows), `timing` (when a window may be emitted more than once), then the
/// aggregates, computed from the merged statistics of the window's cells.
///
/// Shared by every window operator so all kinds produce the same columns the same way.
final class WindowEmitter {
    /// When a result was emitted, relative to its window's close (Beam's pane timing).
    enum Timing: String {
        /// Before the window closed (`emit: updates`).
        case early
        /// When the watermark passed the window's end.
        case onTime = "on_time"
        /// A correction after a late record within the allowed lateness.
        case late
    }

    let output: Batch
    let keys: WindowKeys
    private let keySlots: [Int]
    private let startSlot: Int
    private let endSlot: Int?
    private let timingSlot: Int?
    /// For each aggregate: its function, output slot, and the statistics block it reads.
    private let targets: [(function: AggregateFunction, slot: Int, stats: Int?, q: Double)]
    private let accumulators: WindowAccumulators
    /// Scratch: one merged statistics value per statistics block.
    private var merged: [WindowAccumulators.Merged]
    private(set) var rowsEmitted = 0

    init(spec: WindowSpec, keys: WindowKeys, accumulators: WindowAccumulators, statIndex: [String: Int],
         outputSchema: Schema, capacity: Int) {
        output = Batch(schema: outputSchema, capacity: capacity)
        self.keys = keys
        self.accumulators = accumulators
        keySlots = spec.by.map { outputSchema.index(of: $0)! }
        startSlot = outputSchema.index(of: "window_start")!
        endSlot = outputSchema.index(of: "window_end")
        timingSlot = spec.emitsTiming ? outputSchema.index(of: "timing") : nil
        targets = spec.aggregates.map { a in (a.function, outputSchema.index(of: a.name)!, a.field.flatMap { statIndex[$0] }, a.q ?? 0.5) }
        merged = Array(repeating: .init(), count: accumulators.fields.count)
    }

    /// The output fields of a window step.
    static func outputFields(_ spec: WindowSpec, inputSchema: Schema) throws(PlanError) -> [Field] {
        var fields: [Field] = []
        for name in spec.by {
            guard let f = inputSchema[name] else { throw PlanError.unknownField(name, in: inputSchema, context: "window key") }
            fields.append(f)
        }
        fields.append(Field("window_start", .int64))
        switch spec.kind {
        case .session, .count: fields.append(Field("window_end", .int64))
        case .tumbling, .sliding: break
        }
        if spec.emitsTiming { fields.append(Field("timing", .string)) }
        for a in spec.aggregates {
            fields.append(Field(a.name, a.function == .count || a.function == .distinct ? .int64 : .float64))
        }
        var seen = Set<String>()
        for f in fields where !seen.insert(f.name).inserted {
            throw PlanError("window output has two fields named '\(f.name)'; name the aggregates with 'as:'")
        }
        return fields
    }

    /// Emits one row for `key` over `cells` (one cell per pane or session; merged in order).
    @inline(__always)
    func writeRow(key: Int32, start: Int64, end: Int64?, timing: Timing, cells: UnsafeBufferPointer<Int>,
                  emit: (Batch) throws -> Void) throws {
        try writeRow(key: key, start: start, end: end, timing: timing, cells: cells, of: accumulators, emit: emit)
    }

    /// As above, reading `cells` of another accumulator store with the same fields (sliding-window blocks).
    @inline(__always)
    func writeRow(key: Int32, start: Int64, end: Int64?, timing: Timing, cells: UnsafeBufferPointer<Int>, of accumulators: WindowAccumulators,
                  emit: (Batch) throws -> Void) throws {
        if output.isFull { try flush(emit: emit) }
        let row = output.count
        output.count += 1
        keys.write(key, into: output, row: row, slots: keySlots)
        output.columns[startSlot].int64[row] = start
        output.columns[startSlot].validity[row] = 1
        if let endSlot {
            output.columns[endSlot].int64[row] = end ?? 0
            output.columns[endSlot].validity[row] = end == nil ? 0 : 1
        }
        if let timingSlot {
            let col = output.columns[timingSlot]
            col.strings[row] = output.arena.append(timing.rawValue)
            col.validity[row] = 1
        }
        var rowCount: Int64 = 0
        let rows = accumulators.rows
        for c in cells { rowCount &+= rows[c] }
        for (i, f) in accumulators.fields.enumerated() {
            var m = WindowAccumulators.Merged()
            for c in cells { f.merge(c, into: &m) }
            merged[i] = m
        }
        for t in targets {
            let col = output.columns[t.slot]
            if t.function == .count {
                col.int64[row] = rowCount
                col.validity[row] = 1
                continue
            }
            let m = merged[t.stats!]
            if t.function == .distinct {
                col.int64[row] = Int64((m.distinct?.estimate ?? 0).rounded())
                col.validity[row] = 1
                continue
            }
            var value = 0.0
            var valid = m.n > 0
            switch t.function {
            case .count, .distinct: valid = false
            case .quantile:
                if let q = m.quantile?.quantile(t.q) { value = q } else { valid = false }
            case .sum: value = m.sum
            case .min: value = m.min
            case .max: value = m.max
            case .mean: value = m.sum / Double(m.n)
            case .variance, .stddev:
                valid = m.n > 1
                let variance = m.n > 1 ? m.m2 / Double(m.n - 1) : 0
                value = t.function == .variance ? variance : variance.squareRoot()
            case .first: value = m.first
            case .last: value = m.last
            }
            col.float64[row] = value
            col.validity[row] = valid ? 1 : 0
        }
        rowsEmitted += 1
    }

    /// Hands the rows written so far downstream.
    func flush(emit: (Batch) throws -> Void) throws {
        guard output.count > 0 else { return }
        output.selectAll()
        try emit(output)
        output.reset()
    }
}
