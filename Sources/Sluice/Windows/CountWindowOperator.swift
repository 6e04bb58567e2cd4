/// Keyed count window aggregation: per key, every `n` records in event-time order.
///
/// Records wait (their key and aggregated values copied out of the batch) until the watermark
/// releases them in event-time order (``CountWindowState``); each released record is folded into
/// its key's open window, and a window is emitted as soon as it holds `n` records. At end of
/// input, partly filled windows are emitted too (their `cnt` says how many records they hold).
/// Output rows carry `window_start` and `window_end`: the event times of the first and last record.
final class CountWindowOperator: StatefulOperator {
    let spec: WindowSpec
    @exclusivity(unchecked) var state: CountWindowState
    let accumulators: WindowAccumulators
    private let emitter: WindowEmitter
    /// Values of waiting records, per statistics block, by value slot.
    private var waitingValues: [[Double]]
    private var waitingValid: [[UInt8]]
    private var freeValueSlots: [Int32] = []
    private var valueSlotCount: Int32 = 0
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
        guard case .count(let n) = spec.kind else { throw PlanError("internal: \(spec.kind) is not a count window") }
        guard n > 0 else { throw PlanError("a count window needs a positive number of records, got \(n)") }
        guard spec.maxOutOfOrderness.milliseconds >= 0 else { throw PlanError("max_out_of_orderness must not be negative") }
        guard spec.allowedLateness.milliseconds == 0 else {
            throw PlanError("count windows have no allowed lateness (a record can only be placed in event-time order); use max_out_of_orderness")
        }
        guard spec.emit == .final else { throw PlanError("count windows emit each window once, when it is full: 'emit: updates' does not apply") }
        if let ttl = spec.ttl, ttl.milliseconds <= 0 { throw PlanError("ttl must be positive, got \(ttl)") }
        state = CountWindowState(size: n, bound: spec.maxOutOfOrderness.milliseconds, ttl: spec.ttl?.milliseconds)
        input = try WindowInput(spec, inputSchema: inputSchema, dictionaries: dictionaries, deadLetters: deadLetters)
        let stats = try WindowStatistics.fields(spec, inputSchema, allowStrings: false)
        accumulators = WindowAccumulators(fields: stats.fields, keyCapacity: 1, slotCapacity: 1024, tracksTouchedKeys: false)
        emitter = WindowEmitter(spec: spec, keys: input.keys, accumulators: accumulators, statIndex: stats.index,
                                outputSchema: outputSchema, capacity: outputCapacity)
        waitingValues = Array(repeating: [], count: stats.fields.count)
        waitingValid = Array(repeating: [], count: stats.fields.count)
    }

    var stateBytes: Int { accumulators.stateBytes + state.pending.count * (24 + 9 * waitingValues.count) + state.open.count * 40 + keys.byteSize }
    var explanation: String { WindowStatistics.explanation(spec) }
    var stateExplanation: String {
        "state: records wait for the watermark, then fill one accumulator cell per key in event-time order; keys: \(keys.explanation); "
            + WindowStatistics.timeExplanation(spec)
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws {
        let statColumns = accumulators.fields.map { batch.columns[$0.slot] }
        let batchMaxTime = try input.forEachRow(batch, deadLetters) { r, t, maxBefore, key in
            let w = state.watermark(afterMax: maxBefore)
            if state.isLate(time: t, watermark: w) {
                try deadLetters.reject(batch, row: r, reason: input.lateReason, value: String(t),
                                       detail: "count window: record is \(w - t) ms behind the watermark \(w) and can no longer be placed in event-time order")
                return false
            }
            let slot = valueSlot()
            for (i, c) in statColumns.enumerated() {
                let valid = c.validity[r]
                waitingValid[i][Int(slot)] = valid
                waitingValues[i][Int(slot)] = valid == 0 ? 0 : (c.type == .float64 ? c.float64[r] : Double(c.int64[r]))
            }
            state.enqueue(time: t, key: key, slot: slot)
            return false  // the record waits in the state, not in the batch
        }
        let progress = input.endBatch(batch, maxTime: batchMaxTime)
        if progress != .min { state.observe(time: progress) }
        try apply(state.advance(), emit: emit)
        compactKeysIfSparse()
    }

    func finish(_ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws {
        try apply(state.finish(), emit: emit)
    }

    func saveWaitingValues(to w: inout StateWriter) {
        w.write(valueSlotCount)
        w.write(freeValueSlots)
        for values in waitingValues { w.write(values) }
        for valid in waitingValid { w.write(valid) }
    }

    func restoreWaitingValues(from r: inout StateReader) throws(CheckpointError) {
        valueSlotCount = try r.read()
        freeValueSlots = try r.readArray()
        for i in waitingValues.indices { waitingValues[i] = try r.readArray() }
        for i in waitingValid.indices { waitingValid[i] = try r.readArray() }
        guard (waitingValues + waitingValid.map { $0.map(Double.init) }).allSatisfy({ $0.count == Int(valueSlotCount) }) else {
            throw .corrupt("count window: waiting values do not match \(valueSlotCount) slots")
        }
    }

    private func valueSlot() -> Int32 {
        if let s = freeValueSlots.popLast() { return s }
        valueSlotCount += 1
        for i in waitingValues.indices {
            waitingValues[i].append(0)
            waitingValid[i].append(0)
        }
        return valueSlotCount - 1
    }

    private func apply(_ release: CountWindowState.Release, emit: (Batch) throws -> Void) throws {
        accumulators.ensure(keys: 1, slots: Int(state.cellCount))
        for p in release.placements {
            let cell = Int(p.cell)
            accumulators.addRow(cell)
            for (i, f) in accumulators.fields.enumerated() where waitingValid[i][Int(p.slot)] != 0 {
                f.add(waitingValues[i][Int(p.slot)], time: p.time, to: cell)
            }
            freeValueSlots.append(p.slot)
        }
        for done in release.completed {
            var c = Int(done.cell)
            try withUnsafePointer(to: &c) { cell in
                try emitter.writeRow(key: done.key, start: done.start, end: done.end, timing: .onTime,
                                     cells: UnsafeBufferPointer(start: cell, count: 1), emit: emit)
            }
        }
        try emitter.flush(emit: emit)
        for done in release.completed {
            accumulators.resetCell(Int(done.cell))
            state.recycle(done.cell)
        }
    }
}
