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

    /// One aggregate resolved to raw pointers for a run of single-cell rows.
    private struct DirectTarget {
        var function: AggregateFunction
        var values: UnsafeMutableRawPointer
        var validity: UnsafeMutablePointer<UInt8>
        var n: UnsafeMutablePointer<Int64>?
        var stat: UnsafeMutablePointer<Double>?
        var m2: UnsafeMutablePointer<Double>?
    }

    /// Whether every aggregate can be read straight from one cell's arrays (no sketches).
    private lazy var directCapable: Bool = !targets.contains { $0.function == .quantile || $0.function == .distinct }

    /// The common case, a window of one pane: one row per key in `keys`, each read straight from
    /// its cell `base + key` (no merging). Columns and statistics are resolved to raw pointers once
    /// per call, not per row — this is the canonical workload's emission path.
    func writeSingleCellRows(_ keys: [Int32], base: Int, start: Int64, timing: Timing, emit: (Batch) throws -> Void) throws {
        guard directCapable else {
            for key in keys {
                var c = base + Int(key)
                try withUnsafePointer(to: &c) { try writeRow(key: key, start: start, end: nil, timing: timing, cells: UnsafeBufferPointer(start: $0, count: 1), emit: emit) }
            }
            return
        }
        let direct: [DirectTarget] = targets.map { t in
            let col = output.columns[t.slot]
            guard let statsIndex = t.stats else { return DirectTarget(function: t.function, values: col.values, validity: col.validity) }
            let f = accumulators.fields[statsIndex]
            let stat: UnsafeMutablePointer<Double>?
            switch t.function {
            case .sum, .mean: stat = f.sum
            case .min: stat = f.min
            case .max: stat = f.max
            case .variance, .stddev: stat = f.mean
            case .first: stat = f.first
            case .last: stat = f.last
            case .count, .quantile, .distinct: stat = nil
            }
            return DirectTarget(function: t.function, values: col.values, validity: col.validity, n: f.n, stat: stat, m2: f.m2)
        }
        let rows = accumulators.rows
        let startColumn = output.columns[startSlot]
        let timingColumn = timingSlot.map { output.columns[$0] }
        try direct.withUnsafeBufferPointer { direct in
            for key in keys {
                if output.isFull { try flush(emit: emit) }
                let row = output.count
                output.count += 1
                self.keys.write(key, into: output, row: row, slots: keySlots)
                startColumn.int64[row] = start
                startColumn.validity[row] = 1
                if let timingColumn {
                    timingColumn.strings[row] = output.arena.append(timing.rawValue)
                    timingColumn.validity[row] = 1
                }
                let cell = base + Int(key)
                for t in direct {
                    if t.function == .count {
                        t.values.assumingMemoryBound(to: Int64.self)[row] = rows[cell]
                        t.validity[row] = 1
                        continue
                    }
                    let n = t.n![cell]
                    var value = 0.0
                    var valid = n > 0
                    switch t.function {
                    case .count, .quantile, .distinct: break
                    case .sum, .min, .max, .first, .last: value = t.stat![cell]
                    case .mean: value = t.stat![cell] / Double(n)
                    case .variance, .stddev:
                        valid = n > 1
                        let variance = n > 1 ? t.m2![cell] / Double(n - 1) : 0
                        value = t.function == .variance ? variance : variance.squareRoot()
                    }
                    t.values.assumingMemoryBound(to: Double.self)[row] = value
                    t.validity[row] = valid ? 1 : 0
                }
                rowsEmitted += 1
            }
        }
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
