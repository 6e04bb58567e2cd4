/// Keyed session window aggregation: per key, records closer than the gap form a session.
///
/// Pass 1 asks ``SessionWindowState`` where each row goes (merging sessions a row bridges, whose
/// earlier data is folded together at once); pass 2 folds the rows into their sessions' cells
/// column by column, as the pane operator does. Output rows carry `window_start` (first record)
/// and `window_end` (last record + gap).
final class SessionWindowOperator: StatefulOperator {
    let spec: WindowSpec
    @exclusivity(unchecked) var state: SessionWindowState
    let accumulators: WindowAccumulators
    private let emitter: WindowEmitter
    private let cells: UnsafeMutablePointer<Int>
    private let rowKeys: UnsafeMutablePointer<Int32>
    private let rowCells: UnsafeMutablePointer<Int32>
    private let rowTimes: UnsafeMutablePointer<Int64>
    private let floatScratch: UnsafeMutablePointer<Double>
    /// Within a batch: a merged-away cell → the cell that absorbed it.
    private var redirect: [Int32: Int32] = [:]
    private var touchedThisBatch = Set<Int32>()
    /// Time, key and watermark-before-row for every input row; the runtime's hints land here.
    let input: WindowInput
    var rowsEmitted: Int { emitter.rowsEmitted }
    /// Between batches: when the key space has grown to at least twice the keys still holding
    /// state, rebuild it with just those, so idle keys cost nothing.
    private func compactKeysIfSparse() {
        input.compactIfSparse(live: { state.liveKeys }, remap: { state.remapKeys($0) })
    }

    init(spec: WindowSpec, inputSchema: Schema, dictionaries: [String: KeyDictionary], inputCapacity: Int,
         outputSchema: Schema, outputCapacity: Int, deadLetters: DeadLetters) throws(PlanError) {
        self.spec = spec
        guard case .session(let gap) = spec.kind else { throw PlanError("internal: \(spec.kind) is not a session window") }
        guard gap.milliseconds > 0 else { throw PlanError("session gap must be positive, got \(gap)") }
        guard spec.maxOutOfOrderness.milliseconds >= 0, spec.allowedLateness.milliseconds >= 0 else {
            throw PlanError("max_out_of_orderness and allowed_lateness must not be negative")
        }
        state = SessionWindowState(gap: gap.milliseconds, bound: spec.maxOutOfOrderness.milliseconds, lateness: spec.allowedLateness.milliseconds)
        input = try WindowInput(spec, inputSchema: inputSchema, dictionaries: dictionaries, deadLetters: deadLetters)
        let stats = try WindowStatistics.fields(spec, inputSchema)
        accumulators = WindowAccumulators(fields: stats.fields, keyCapacity: 1, slotCapacity: 1024, tracksTouchedKeys: false, stringFields: stats.strings)
        emitter = WindowEmitter(spec: spec, keys: input.keys, accumulators: accumulators, statIndex: stats.index,
                                outputSchema: outputSchema, capacity: outputCapacity)
        cells = .allocate(capacity: inputCapacity)
        rowKeys = .allocate(capacity: inputCapacity)
        rowCells = .allocate(capacity: inputCapacity)
        rowTimes = .allocate(capacity: inputCapacity)
        floatScratch = .allocate(capacity: inputCapacity)
    }

    deinit {
        cells.deallocate(); rowKeys.deallocate(); rowCells.deallocate(); rowTimes.deallocate(); floatScratch.deallocate()
    }

    var stateBytes: Int { accumulators.stateBytes + state.liveSessions * 64 + keys.byteSize }
    var explanation: String { WindowStatistics.explanation(spec) }
    private var gapPlusBound: Int64 { state.gapMs &+ state.boundMs }
    var stateExplanation: String {
        "state: one accumulator cell per live session, sessions per key merged as records bridge them; keys: \(keys.explanation); "
            + WindowStatistics.timeExplanation(spec)
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws {
        var kept = 0
        // Rows before this index were already folded in (sessions fired mid-batch).
        var accumulated = 0
        var flushAt = state.nextTimerThreshold
        let batchMaxTime = try input.forEachRow(batch, deadLetters) { r, t, maxBefore, key in
            if maxBefore >= flushAt && maxBefore != .min {
                // The watermark before this row reached a session's end (or end + lateness): emit or
                // free it now, with exactly the rows before, as if the micro-batch ended here. So
                // which session a record joins never depends on where micro-batches end.
                accumulate(batch, rows: accumulated..<kept)
                accumulated = kept
                state.observe(time: maxBefore)
                let firing = state.advance()
                try emitFiring(firing, emit: emit)
                try emitter.flush(emit: emit)
                for cell in firing.freedCells { accumulators.resetCell(Int(cell)) }
                flushAt = state.nextTimerThreshold
            }
            // A record's session ends at t + gap or later: its timer comes no earlier (a cheap bound
            // instead of looking at the timer heap for every row).
            flushAt = Swift.min(flushAt, t > Int64.max &- gapPlusBound ? .max : t &+ gapPlusBound)
            let w = state.watermark(afterMax: maxBefore)
            switch state.assign(key: key, time: t, watermark: w) {
            case .cell(let cell, let merges):
                accumulators.ensure(keys: 1, slots: Int(state.cellCount))
                for m in merges {
                    accumulators.mergeCell(Int(m.from), into: Int(m.into))
                    redirect[m.from] = m.into
                }
                rowCells[kept] = cell
            case .late(let end, let watermark):
                try deadLetters.reject(batch, row: r, reason: input.lateReason, value: String(t),
                                       detail: "session ending \(end) closed at watermark \(watermark), \(watermark - t) ms behind; allowed lateness \(spec.allowedLateness)")
                return false
            }
            rowKeys[kept] = key
            rowTimes[kept] = t
            kept += 1
            return true
        }
        accumulate(batch, rows: accumulated..<kept)
        let progress = input.endBatch(batch, maxTime: batchMaxTime)
        if progress != .min { state.observe(time: progress) }
        let firing = state.advance()
        try emitFiring(firing, emit: emit)
        if spec.emit == .updates {
            let w = state.watermark
            for cell in touchedThisBatch.sorted() {
                guard let s = state.session(cell), s.dirty, w == .min || s.end > w else { continue }
                try writeRow(cell: cell, key: s.key, start: s.start, end: s.end, timing: .early, emit: emit)
                state.markEmittedEarly(cell)
            }
            touchedThisBatch.removeAll(keepingCapacity: true)
        }
        try emitter.flush(emit: emit)
        for cell in firing.freedCells { accumulators.resetCell(Int(cell)) }
        compactKeysIfSparse()
    }

    /// Folds the kept rows in `rows` (positions in the compacted selection) into their sessions'
    /// cells, following merges made since they were placed.
    private func accumulate(_ batch: Batch, rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        for j in rows {
            var c = rowCells[j]
            while let next = redirect[c] { c = next }
            rowCells[j] = c
            cells[j] = Int(c)
            if spec.emit == .updates { touchedThisBatch.insert(c) }
        }
        redirect.removeAll(keepingCapacity: true)
        let from = rows.lowerBound
        accumulators.accumulate(batch, selection: batch.selection + from, kept: rows.count, cells: cells + from, keys: rowKeys + from,
                                slots: rowCells + from, times: rowTimes + from, floatScratch: floatScratch)
    }

    func finish(_ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws {
        let firing = state.finish()
        try emitFiring(firing, emit: emit)
        try emitter.flush(emit: emit)
        for cell in firing.freedCells { accumulators.resetCell(Int(cell)) }
    }

    private func emitFiring(_ firing: SessionWindowState.Firing, emit: (Batch) throws -> Void) throws {
        for e in firing.emissions {
            try writeRow(cell: e.cell, key: e.key, start: e.start, end: e.end, timing: e.late ? .late : .onTime, emit: emit)
        }
    }

    private func writeRow(cell: Int32, key: Int32, start: Int64, end: Int64, timing: WindowEmitter.Timing, emit: (Batch) throws -> Void) throws {
        var c = Int(cell)
        try withUnsafePointer(to: &c) { p in
            try emitter.writeRow(key: key, start: start, end: end, timing: timing, cells: UnsafeBufferPointer(start: p, count: 1), emit: emit)
        }
    }
}
