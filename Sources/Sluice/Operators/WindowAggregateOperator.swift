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

/// Keyed tumbling event-time window aggregation.
///
/// Per batch: one pass resolves each selected row's key id and window slot
/// into a cell index (rejecting rows with a null key or time, or late ones),
/// then one tight loop per input field folds values into flat accumulators
/// (``WindowAccumulators``). Window lifecycle decisions live in
/// ``TumblingWindowState``.
///
/// Output: one row per (key, window) with at least one record: the key
/// fields, `window_start`, then the aggregates in declaration order.
final class WindowAggregateOperator: StatefulOperator {
    /// How a key field turns into a dense id.
    struct KeyField {
        let name: String
        let slot: Int
        let type: DataType
        /// For string fields: the decoder's dictionary. For others: the operator's own, over the 8 value bytes.
        let dictionary: KeyDictionary
        let decoderEncoded: Bool
    }

    let spec: WindowSpec
    let keyFields: [KeyField]
    let timeSlot: Int
    let timeIsFloat: Bool
    @exclusivity(unchecked) private var state: TumblingWindowState
    private let accumulators: WindowAccumulators
    /// Maps tuples of key ids to one id when grouping by several fields.
    private let compositeKeys: KeyDictionary?
    private let output: Batch
    /// For each aggregate: the output slot and the stats it reads.
    private let outputs: [(aggregate: Aggregate, slot: Int, stats: Int?)]
    private let keyOutputSlots: [Int]
    private let windowStartSlot: Int

    // Per-batch scratch, sized to the input batch capacity.
    private let cells: UnsafeMutablePointer<Int>
    private let keys: UnsafeMutablePointer<Int32>
    private let slots: UnsafeMutablePointer<Int32>
    private let scratchCapacity: Int
    private let floatScratch: UnsafeMutablePointer<Double>

    private let lateReason: Int, missingKeyReason: Int, missingTimeReason: Int
    var batchMaxTimeHint: Int64?
    var rowWatermarkHint: UnsafePointer<Int64>?
    var keySlots: [Int] { keyFields.map(\.slot) }
    var eventTimeSlot: Int? { timeSlot }
    /// Id translation for batches decoded with another dictionary (another worker's, in a
    /// parallel run): foreign id → this operator's id, -1 = not seen yet.
    private var translations: [ObjectIdentifier: Translation] = [:]
    private final class Translation {
        var ids: UnsafeMutablePointer<Int32>
        var capacity: Int
        init() {
            capacity = 1024
            ids = .allocate(capacity: capacity)
            ids.initialize(repeating: -1, count: capacity)
        }
        deinit { ids.deallocate() }
        func ensure(_ n: Int) {
            guard n > capacity else { return }
            var c = capacity
            while c < n { c *= 2 }
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: c)
            p.initialize(repeating: -1, count: c)
            p.update(from: ids, count: capacity)
            ids.deallocate()
            ids = p
            capacity = c
        }
    }
    @exclusivity(unchecked) private(set) var windowsEmitted = 0
    @exclusivity(unchecked) private(set) var rowsEmitted = 0

    init(spec: WindowSpec, inputSchema: Schema, dictionaries: [String: KeyDictionary], inputCapacity: Int,
         outputSchema: Schema, outputCapacity: Int, deadLetters: DeadLetters) throws(PlanError) {
        self.spec = spec
        guard case .tumbling(let size) = spec.kind, size.milliseconds > 0 else { throw PlanError("window size must be positive") }
        state = TumblingWindowState(size: size.milliseconds)
        var keyFields: [KeyField] = []
        for name in spec.by {
            guard let slot = inputSchema.index(of: name) else { throw PlanError.unknownField(name, in: inputSchema, context: "window key") }
            let type = inputSchema.fields[slot].type
            if let d = dictionaries[name], type == .string {
                keyFields.append(KeyField(name: name, slot: slot, type: type, dictionary: d, decoderEncoded: true))
            } else {
                keyFields.append(KeyField(name: name, slot: slot, type: type, dictionary: KeyDictionary(), decoderEncoded: false))
            }
        }
        self.keyFields = keyFields
        compositeKeys = keyFields.count > 1 ? KeyDictionary() : nil
        guard let timeSlot = inputSchema.index(of: spec.time) else { throw PlanError.unknownField(spec.time, in: inputSchema, context: "window time") }
        guard inputSchema.fields[timeSlot].type.isNumeric else { throw PlanError("window time field '\(spec.time)' must be int64 milliseconds, it is \(inputSchema.fields[timeSlot].type)") }
        self.timeSlot = timeSlot
        timeIsFloat = inputSchema.fields[timeSlot].type == .float64

        // One stats block per distinct input field, with just the statistics its aggregates need.
        var statFields: [(name: String, slot: Int, needs: WindowAccumulators.Needs)] = []
        var statIndex: [String: Int] = [:]
        for a in spec.aggregates {
            guard let field = a.field else { continue }
            guard let slot = inputSchema.index(of: field) else { throw PlanError.unknownField(field, in: inputSchema, context: "aggregate \(a.function.rawValue)") }
            guard inputSchema.fields[slot].type.isNumeric else { throw PlanError("cannot take \(a.function.rawValue) of '\(field)': it is \(inputSchema.fields[slot].type), not a number") }
            let needs: WindowAccumulators.Needs
            switch a.function {
            case .count: needs = []
            case .sum, .mean: needs = .sum
            case .min: needs = .min
            case .max: needs = .max
            case .variance, .stddev: needs = .welford
            }
            if let i = statIndex[field] {
                statFields[i].needs.formUnion(needs)
            } else {
                statIndex[field] = statFields.count
                statFields.append((field, slot, needs))
            }
        }
        accumulators = WindowAccumulators(fields: statFields)

        output = Batch(schema: outputSchema, capacity: outputCapacity)
        keyOutputSlots = spec.by.map { outputSchema.index(of: $0)! }
        windowStartSlot = outputSchema.index(of: "window_start")!
        outputs = spec.aggregates.map { a in (a, outputSchema.index(of: a.name)!, a.field.flatMap { statIndex[$0] }) }

        scratchCapacity = inputCapacity
        cells = .allocate(capacity: inputCapacity)
        keys = .allocate(capacity: inputCapacity)
        slots = .allocate(capacity: inputCapacity)
        floatScratch = .allocate(capacity: inputCapacity)

        lateReason = deadLetters.register(RejectionReason(.lateEvent, rule: "window \(spec.kind) by \(spec.by.joined(separator: ", "))", field: spec.time))
        missingKeyReason = deadLetters.register(RejectionReason(.missingKey, rule: "window \(spec.kind) by \(spec.by.joined(separator: ", "))", field: spec.by.joined(separator: ",")))
        missingTimeReason = deadLetters.register(RejectionReason(.missingTime, rule: "window \(spec.kind) by \(spec.by.joined(separator: ", "))", field: spec.time))
    }

    deinit {
        cells.deallocate()
        keys.deallocate()
        slots.deallocate()
        floatScratch.deallocate()
    }

    /// The output fields of a window step: keys, `window_start`, aggregates.
    static func outputFields(_ spec: WindowSpec, inputSchema: Schema) throws(PlanError) -> [Field] {
        var fields: [Field] = []
        for name in spec.by {
            guard let f = inputSchema[name] else { throw PlanError.unknownField(name, in: inputSchema, context: "window key") }
            fields.append(f)
        }
        fields.append(Field("window_start", .int64))
        for a in spec.aggregates {
            fields.append(Field(a.name, a.function == .count ? .int64 : .float64))
        }
        var seen = Set<String>()
        for f in fields where !seen.insert(f.name).inserted {
            throw PlanError("window output has two fields named '\(f.name)'; name the aggregates with 'as:'")
        }
        return fields
    }

    var stateBytes: Int { accumulators.stateBytes }

    var explanation: String {
        "window \(spec.kind) by \(spec.by.joined(separator: ", ")) time \(spec.time): "
            + spec.aggregates.map { "\($0.function.rawValue)(\($0.field ?? "*")) as \($0.name)" }.joined(separator: ", ")
    }

    @inline(__always)
    private func keyID(_ batch: Batch, _ r: Int) -> Int32? {
        if keyFields.count == 1 { return componentID(keyFields[0], batch, r) }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: keyFields.count) { ids -> Int32? in
            for (i, k) in keyFields.enumerated() {
                guard let id = componentID(k, batch, r) else { return nil }
                ids[i] = id
            }
            let raw = UnsafeRawPointer(ids.baseAddress!).assumingMemoryBound(to: UInt8.self)
            return compositeKeys!.intern(raw, keyFields.count * 4, readable: keyFields.count * 4)
        }
    }

    @inline(__always)
    private func componentID(_ k: KeyField, _ batch: Batch, _ r: Int) -> Int32? {
        let c = batch.columns[k.slot]
        if c.validity[r] == 0 { return nil }
        if k.decoderEncoded, let ids = c.keyIDs, c.dictionary === k.dictionary { return ids[r] }
        switch k.type {
        case .string:
            let s = c.strings[r]
            return k.dictionary.intern(batch.arena.base + Int(s.offset), Int(s.length), readable: 0)
        case .int64, .float64:
            return withUnsafeBytes(of: c.int64[r]) { k.dictionary.intern($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 8, readable: 8) }
        case .bool:
            return withUnsafeBytes(of: c.bools[r]) { k.dictionary.intern($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 1, readable: 1) }
        }
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws {
        let timeColumn = batch.columns[timeSlot]
        let times = timeColumn.int64, timeValid = timeColumn.validity
        var singleDecoderKey = keyFields.count == 1 && keyFields[0].decoderEncoded ? batch.columns[keyFields[0].slot] : nil
        // Ids from another dictionary (a parallel run's other workers) are translated through a table.
        var translation: Translation?
        if let column = singleDecoderKey, let foreign = column.dictionary, foreign !== keyFields[0].dictionary {
            if column.keyIDs == nil {
                singleDecoderKey = nil
            } else {
                let t = translations[ObjectIdentifier(foreign)] ?? Translation()
                translations[ObjectIdentifier(foreign)] = t
                // Size the table from this batch's ids (the foreign dictionary itself may be growing on its own thread).
                let ids = column.keyIDs!, valid = column.validity, sel = batch.selection
                var maxID: Int32 = -1
                for j in 0..<batch.selectedCount {
                    let r = Int(sel[j])
                    if valid[r] != 0 && ids[r] > maxID { maxID = ids[r] }
                }
                t.ensure(Int(maxID) + 1)
                translation = t
            }
        }
        let own = keyFields.first?.dictionary

        // Pass 1: resolve each selected row to a cell; reject what cannot be placed.
        // The window of the previous row, as bounds: most rows fall in it, and a range check
        // is much cheaper than the 64-bit division that finds a window.
        var lastStart = Int64.max, lastEnd = Int64.min, lastSlot: Int32 = 0
        var batchMaxTime = Int64.min
        // The watermark before each event: the largest earlier event time (see TumblingWindowState).
        let earlierBatches = state.maxEventTime
        var running = earlierBatches
        let rowHint = rowWatermarkHint
        rowWatermarkHint = nil
        var maxKey: Int32 = -1, maxSlot: Int32 = -1
        let sel = batch.selection
        var kept = 0
        for j in 0..<batch.selectedCount {
            let r = Int(sel[j])
            guard timeValid[r] != 0 else {
                try deadLetters.reject(batch, row: r, reason: missingTimeReason, value: "null")
                continue
            }
            let t = timeIsFloat ? Int64(timeColumn.float64[r].rounded(.down)) : times[r]
            let watermark: Int64
            if let rowHint {
                watermark = max(earlierBatches, rowHint[r])
            } else {
                watermark = running
                if t > running { running = t }
            }
            if t > batchMaxTime { batchMaxTime = t }
            let key: Int32
            if let keyColumn = singleDecoderKey {
                guard keyColumn.validity[r] != 0 else {
                    try deadLetters.reject(batch, row: r, reason: missingKeyReason, value: "null")
                    continue
                }
                if let translation {
                    let foreignID = Int(keyColumn.keyIDs![r])
                    var k = translation.ids[foreignID]
                    if k < 0 {
                        let slot = keyColumn.strings[r]
                        k = own!.intern(batch.arena.base + Int(slot.offset), Int(slot.length), readable: 0)
                        translation.ids[foreignID] = k
                    }
                    key = k
                } else {
                    key = keyColumn.keyIDs![r]
                }
            } else {
                guard let k = keyID(batch, r) else {
                    try deadLetters.reject(batch, row: r, reason: missingKeyReason, value: "null")
                    continue
                }
                key = k
            }
            let slot: Int32
            if t >= lastStart && t < lastEnd && lastEnd > watermark {
                slot = lastSlot
            } else {
                switch state.assign(time: t, watermark: watermark) {
                case .slot(let s):
                    slot = s
                    lastStart = state.windowIndex(t) &* state.size
                    lastEnd = lastStart &+ state.size
                    lastSlot = s
                case .late(let start, let watermark):
                    try deadLetters.reject(batch, row: r, reason: lateReason, value: String(t),
                                           detail: "window [\(start), \(start + state.size)) closed at watermark \(watermark), \(watermark - t) ms behind")
                    continue
                }
            }
            sel[kept] = Int32(truncatingIfNeeded: r)
            keys[kept] = key
            slots[kept] = slot
            kept += 1
            if key > maxKey { maxKey = key }
            if slot > maxSlot { maxSlot = slot }
        }
        batch.selectedCount = kept
        if let hint = batchMaxTimeHint {
            batchMaxTime = max(batchMaxTime, hint)
            batchMaxTimeHint = nil
        }
        if batchMaxTime != .min { state.observe(time: batchMaxTime) }
        if kept > 0 {
            accumulators.ensure(keys: Int(maxKey) + 1, slots: Int(maxSlot) + 1)
            let keyCapacity = accumulators.keyCapacity
            for j in 0..<kept { cells[j] = Int(slots[j]) &* keyCapacity &+ Int(keys[j]) }

            // Pass 2: one loop per statistic block.
            accumulators.countRows(cells: cells, keys: keys, slots: slots, count: kept)
            for f in accumulators.fields {
                let c = batch.columns[f.slot]
                let values: UnsafePointer<Double>
                if c.type == .float64 {
                    values = UnsafePointer(c.float64)
                } else {
                    for j in 0..<kept {
                        let r = Int(sel[j])
                        floatScratch[r] = Double(c.int64[r])
                    }
                    values = UnsafePointer(floatScratch)
                }
                accumulators.accumulate(f, values: values, validity: c.validity, selection: sel, cells: cells, count: kept)
            }
        }
        for closing in state.advanceWatermark() { try emitWindow(closing, emit: emit) }
    }

    func finish(_ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws {
        for closing in state.finish() { try emitWindow(closing, emit: emit) }
    }

    private func emitWindow(_ closing: TumblingWindowState.Closing, emit: (Batch) throws -> Void) throws {
        windowsEmitted += 1
        let base = Int(closing.slot) * accumulators.keyCapacity
        // Resolve every output column and statistic to raw pointers once per window, not per row.
        struct Target {
            var function: AggregateFunction
            var values: UnsafeMutableRawPointer
            var validity: UnsafeMutablePointer<UInt8>
            var n: UnsafeMutablePointer<Int64>?
            var stat: UnsafeMutablePointer<Double>?
            var m2: UnsafeMutablePointer<Double>?
        }
        let targets: [Target] = outputs.map { (aggregate, slot, statsIndex) in
            let col = output.columns[slot]
            guard let statsIndex else { return Target(function: aggregate.function, values: col.values, validity: col.validity) }
            let f = accumulators.fields[statsIndex]
            let stat: UnsafeMutablePointer<Double>?
            switch aggregate.function {
            case .sum, .mean: stat = f.sum
            case .min: stat = f.min
            case .max: stat = f.max
            default: stat = nil
            }
            return Target(function: aggregate.function, values: col.values, validity: col.validity, n: f.n, stat: stat, m2: f.m2)
        }
        let rows = accumulators.rows
        let ws = output.columns[windowStartSlot]
        let wsValues = ws.int64, wsValid = ws.validity
        output.reset()
        try targets.withUnsafeBufferPointer { targets in
            for key in accumulators.touched[Int(closing.slot)] {
                if output.isFull {
                    output.selectAll()
                    try emit(output)
                    output.reset()
                }
                let row = output.count
                output.count += 1
                writeKey(key, row: row)
                wsValues[row] = closing.windowStart
                wsValid[row] = 1
                let cell = base + Int(key)
                for t in targets {
                    if t.function == .count {
                        t.values.assumingMemoryBound(to: Int64.self)[row] = rows[cell]
                        t.validity[row] = 1
                        continue
                    }
                    let n = t.n![cell]
                    var value = 0.0
                    var valid = n > 0
                    switch t.function {
                    case .count: break
                    case .sum, .min, .max: value = t.stat![cell]
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
        if output.count > 0 {
            output.selectAll()
            try emit(output)
            output.reset()
        }
        accumulators.reset(slot: closing.slot)
    }

    private func writeKey(_ key: Int32, row: Int) {
        if keyFields.count == 1 {
            writeComponent(keyFields[0], id: key, slot: keyOutputSlots[0], row: row)
            return
        }
        let bytes = compositeKeys!.keyBytes(key)
        let raw = UnsafeRawPointer(bytes.baseAddress!)
        for (i, k) in keyFields.enumerated() {
            writeComponent(k, id: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self), slot: keyOutputSlots[i], row: row)
        }
    }

    private func writeComponent(_ k: KeyField, id: Int32, slot: Int, row: Int) {
        let col = output.columns[slot]
        col.validity[row] = 1
        let bytes = k.dictionary.keyBytes(id)
        switch k.type {
        case .string:
            col.strings[row] = output.arena.append(bytes.baseAddress!, bytes.count)
        case .int64, .float64:
            col.int64[row] = UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(as: Int64.self)
        case .bool:
            col.bools[row] = bytes[0]
        }
    }
}
