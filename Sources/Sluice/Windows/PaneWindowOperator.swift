#if canImport(Glibc)
import Glibc
#endif

/// Keyed tumbling and sliding window aggregation over panes.
///
/// Per batch: one pass resolves each selected row's key id and pane slot into a cell index
/// (rejecting rows with a null key or time, and late ones), then one tight loop per input field
/// folds values into flat accumulators (``WindowAccumulators``). Between batches, windows the
/// watermark passed are emitted by merging their panes' cells. Window lifecycle decisions
/// (panes, watermark, lateness) live in ``PaneWindowState``.
final class PaneWindowOperator: StatefulOperator {
    let spec: WindowSpec
    @exclusivity(unchecked) var state: PaneWindowState
    let accumulators: WindowAccumulators
    private let emitter: WindowEmitter

    // Per-batch scratch, sized to the input batch capacity.
    private let cells: UnsafeMutablePointer<Int>
    private let rowKeys: UnsafeMutablePointer<Int32>
    private let rowSlots: UnsafeMutablePointer<Int32>
    private let rowTimes: UnsafeMutablePointer<Int64>
    private let floatScratch: UnsafeMutablePointer<Double>
    /// (window index, key) pairs to emit again after late records within the allowed lateness.
    private var refire: Set<WindowKey> = []
    /// In `maxBefore` terms: where the first window in `refire` passes its allowed lateness. A row
    /// at or beyond it must not find that window's correction still pending (it would include the
    /// row, which is too late for the window), so the corrections are emitted before it.
    private var refireDeadline = Int64.max
    /// (pane slot, key) pairs aggregated into during this batch (`emit: updates` only).
    private var touchedThisBatch: Set<SlotKey> = []
    /// Sliding windows of more than two panes: block-wise suffix/prefix merges (nil otherwise).
    let blocks: SlidingWindowBlocks?
    /// Which keys the window being emitted has already listed: `keyStamps[key] == keyStamp`.
    private var keyStamps: [Int64] = []
    private var keyStamp: Int64 = 0

    /// Time, key and watermark-before-row for every input row; the runtime's hints land here.
    let input: WindowInput
    @exclusivity(unchecked) private(set) var windowsEmitted = 0
    var rowsEmitted: Int { emitter.rowsEmitted }

    struct WindowKey: Hashable, Comparable {
        var window: Int64
        var key: Int32
        static func < (a: Self, b: Self) -> Bool { (a.window, a.key) < (b.window, b.key) }
    }

    struct SlotKey: Hashable {
        var slot: Int32
        var key: Int32
    }

    init(spec: WindowSpec, inputSchema: Schema, dictionaries: [String: KeyDictionary], inputCapacity: Int,
         outputSchema: Schema, outputCapacity: Int, deadLetters: DeadLetters) throws(PlanError) {
        self.spec = spec
        let size: Int64, every: Int64
        switch spec.kind {
        case .tumbling(let s): size = s.milliseconds; every = s.milliseconds
        case .sliding(let s, let e): size = s.milliseconds; every = e.milliseconds
        case .session, .count: throw PlanError("internal: \(spec.kind) is not a pane window")
        }
        guard size > 0 else { throw PlanError("window size must be positive, got \(TimeSpan(milliseconds: size))") }
        guard every > 0 else { throw PlanError("window slide must be positive, got \(TimeSpan(milliseconds: every))") }
        guard every <= size else { throw PlanError("a sliding window's slide (\(TimeSpan(milliseconds: every))) must not exceed its size (\(TimeSpan(milliseconds: size))): records between windows would belong to none") }
        let bound = spec.maxOutOfOrderness.milliseconds, lateness = spec.allowedLateness.milliseconds
        guard bound >= 0, lateness >= 0 else { throw PlanError("max_out_of_orderness and allowed_lateness must not be negative") }
        state = PaneWindowState(size: size, every: every, bound: bound, lateness: lateness)
        guard size / state.paneMs <= 100_000 else {
            throw PlanError("a \(spec.kind) window spans \(size / state.paneMs) panes of \(TimeSpan(milliseconds: state.paneMs)); choose a slide that divides the size more evenly")
        }
        input = try WindowInput(spec, inputSchema: inputSchema, dictionaries: dictionaries, deadLetters: deadLetters)
        let stats = try WindowStatistics.fields(spec, inputSchema)
        accumulators = WindowAccumulators(fields: stats.fields, stringFields: stats.strings)
        let panesPerWindow = state.sizeMs / state.paneMs
        blocks = panesPerWindow > 2 ? SlidingWindowBlocks(panesPerWindow: panesPerWindow, fields: stats.fields, stringFields: stats.strings) : nil
        emitter = WindowEmitter(spec: spec, keys: input.keys, accumulators: accumulators, statIndex: stats.index,
                                outputSchema: outputSchema, capacity: outputCapacity)
        cells = .allocate(capacity: inputCapacity)
        rowKeys = .allocate(capacity: inputCapacity)
        rowSlots = .allocate(capacity: inputCapacity)
        rowTimes = .allocate(capacity: inputCapacity)
        floatScratch = .allocate(capacity: inputCapacity)
    }

    deinit {
        cells.deallocate()
        rowKeys.deallocate()
        rowSlots.deallocate()
        rowTimes.deallocate()
        floatScratch.deallocate()
    }

    var stateBytes: Int { accumulators.stateBytes + (blocks?.stateBytes ?? 0) + keys.byteSize }

    var explanation: String { WindowStatistics.explanation(spec) }

    var stateExplanation: String {
        let panes = state.paneMs == state.sizeMs ? "one pane per window" : "panes of \(TimeSpan(milliseconds: state.paneMs)), \(state.sizeMs / state.paneMs) merged per window"
        return "state: flat accumulators per open pane x key id (\(panes)), key ids compacted to the keys of open panes; keys: \(keys.explanation); " + WindowStatistics.timeExplanation(spec)
    }

    func process(_ batch: Batch, _ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws {
        // The pane of the previous row, as bounds: most rows fall in it, and a range check is much
        // cheaper than the 64-bit division that finds a pane.
        var lastStart = Int64.max, lastEnd = Int64.min, lastSlot: Int32 = 0
        var lastSafe = Int64.max
        var maxKey: Int32 = -1, maxSlot: Int32 = -1
        var kept = 0
        let tracksTouched = spec.emit == .updates
        // Rows before this index were already folded in (a window fired mid-batch).
        var accumulated = 0
        // A row whose largest-time-before reaches this fires windows before it is placed.
        var fireAt = firingThreshold
        var flushAt = min(fireAt, refireDeadline)
        let batchMaxTime = try input.forEachRow(batch, deadLetters) { r, t, maxBefore, key in
            let slot: Int32
            // Fast path: same pane as the previous row, and the pane's first window is still open
            // at this row's watermark (so no lateness question arises, and nothing is due to fire).
            if t >= lastStart && t < lastEnd && maxBefore < lastSafe {
                slot = lastSlot
            } else {
                if maxBefore >= flushAt && maxBefore != .min {
                    // The watermark before this row passed the end of the next window: fire it (and any
                    // others) now, with exactly the rows before, as if the micro-batch ended here. So a
                    // record's windows never depend on where micro-batch boundaries fall.
                    accumulate(batch, rows: accumulated..<kept, maxKey: maxKey, maxSlot: maxSlot)
                    accumulated = kept
                    try emitLateCorrections(emit: emit)
                    state.observe(time: maxBefore)
                    try fire(state.advance(), emit: emit)
                    fireAt = firingThreshold
                    flushAt = min(fireAt, refireDeadline)
                    lastStart = .max
                    lastEnd = .min
                    lastSafe = .max
                }
                let w = state.watermark(afterMax: maxBefore)
                switch state.assign(time: t, watermark: w) {
                case .slot(let s, let windows):
                    slot = s
                    lastSlot = s
                    let pane = state.paneIndex(t)
                    blocks?.touch(pane: pane)
                    lastStart = pane &* state.paneMs
                    lastEnd = lastStart &+ state.paneMs
                    // Below this max-before, the watermark is below the first window's end: on time.
                    let firstEnd = state.windowEnd(state.windows(containingPane: pane).lowerBound)
                    lastSafe = windows == nil ? Swift.min(firstEnd &+ state.boundMs, flushAt) : .min
                    if let windows {
                        for k in windows { refire.insert(WindowKey(window: k, key: key)) }
                        refireDeadline = min(refireDeadline, state.windowEnd(windows.lowerBound) &+ state.latenessMs &+ state.boundMs)
                        flushAt = min(flushAt, refireDeadline)
                    }
                case .late(let lastWindowEnd, let watermark):
                    lastSafe = .min
                    try deadLetters.reject(batch, row: r, reason: input.lateReason, value: String(t),
                                           detail: "window [\(lastWindowEnd - state.sizeMs), \(lastWindowEnd)) closed at watermark \(watermark), \(watermark - t) ms behind; allowed lateness \(spec.allowedLateness)")
                    return false
                }
            }
            rowKeys[kept] = key
            rowSlots[kept] = slot
            rowTimes[kept] = t
            kept += 1
            if key > maxKey { maxKey = key }
            if slot > maxSlot { maxSlot = slot }
            if tracksTouched { touchedThisBatch.insert(SlotKey(slot: slot, key: key)) }
            return true
        }
        accumulate(batch, rows: accumulated..<kept, maxKey: maxKey, maxSlot: maxSlot)
        try emitLateCorrections(emit: emit)
        let progress = input.endBatch(batch, maxTime: batchMaxTime)
        if progress != .min { state.observe(time: progress) }
        try fire(state.advance(), emit: emit, earlyUpdates: tracksTouched)
        compactKeysIfSparse()
    }

    /// In `maxBefore` terms (largest event time before a row): where the watermark reaches the end
    /// of the next window to fire (`.min`: nothing fired yet, so the first row with a time does).
    private var firingThreshold: Int64 {
        state.firedThrough == .min ? .min : state.windowEnd(state.firedThrough &+ 1) &+ state.boundMs
    }

    /// Pass 2 for the kept rows in `rows` (positions in the compacted selection): one loop per statistic block.
    private func accumulate(_ batch: Batch, rows: Range<Int>, maxKey: Int32, maxSlot: Int32) {
        guard !rows.isEmpty else { return }
        accumulators.ensure(keys: Int(maxKey) + 1, slots: Int(maxSlot) + 1)
        let keyCapacity = accumulators.keyCapacity
        for j in rows { cells[j] = Int(rowSlots[j]) &* keyCapacity &+ Int(rowKeys[j]) }
        let from = rows.lowerBound
        accumulators.accumulate(batch, selection: batch.selection + from, kept: rows.count, cells: cells + from, keys: rowKeys + from,
                                slots: rowSlots + from, times: rowTimes + from, floatScratch: floatScratch)
    }

    /// Emits the windows of `firing`, closes its freed panes and clears their slots for reuse.
    private func fire(_ firing: PaneWindowState.Firing, emit: (Batch) throws -> Void, earlyUpdates: Bool = false) throws {
        try emitFiring(firing, emit: emit)
        state.release(firing)
        if earlyUpdates { try emitEarlyUpdates(emit: emit) }
        try emitter.flush(emit: emit)
        for slot in firing.freedSlots { accumulators.reset(slot: slot) }
    }

    /// Between batches: when the key space has grown to at least twice the keys the open panes
    /// still hold, rebuild it with just those, so idle keys cost nothing (their panes closed).
    private func compactKeysIfSparse() {
        input.compactIfSparse(live: {
            var live: [Int32] = []
            keyStamp += 1
            if keyStamps.count < accumulators.keyCapacity { keyStamps += Array(repeating: 0, count: accumulators.keyCapacity - keyStamps.count) }
            for slot in state.open.values {
                for key in accumulators.touched[Int(slot)] where keyStamps[Int(key)] != keyStamp {
                    keyStamps[Int(key)] = keyStamp
                    live.append(key)
                }
            }
            return live
        }, remap: { mapping in
            accumulators.remapKeys(mapping, keys: input.keys.idCount)
            blocks?.invalidateAll()
            keyStamps.removeAll()
        })
    }

    func finish(_ deadLetters: DeadLetters, emit: (Batch) throws -> Void) throws {
        try emitLateCorrections(emit: emit)
        let firing = state.finish()
        try emitFiring(firing, emit: emit)
        state.release(firing)
        try emitter.flush(emit: emit)
        for slot in firing.freedSlots { accumulators.reset(slot: slot) }
    }

    /// The windows that just closed: one row per key with data in any of their panes.
    private func emitFiring(_ firing: PaneWindowState.Firing, emit: (Batch) throws -> Void) throws {
        let keyCapacity = accumulators.keyCapacity
        for window in firing.windows where !window.slots.isEmpty {
            windowsEmitted += 1
            if window.slots.count == 1 {
                try emitter.writeSingleCellRows(accumulators.touched[Int(window.slots[0])], base: Int(window.slots[0]) * keyCapacity,
                                                start: window.start, timing: .onTime, emit: emit)
                continue
            }
            if let blocks {
                try blocks.emitWindow(firstPane: window.firstPane, start: window.start, state: state, main: accumulators,
                                      emitter: emitter, emit: emit)
                continue
            }
            // Keys of all panes, in first-seen order, each once (a stamp per key id, not a hash set).
            keyStamp += 1
            if keyStamps.count < accumulators.keyCapacity { keyStamps += Array(repeating: 0, count: accumulators.keyCapacity - keyStamps.count) }
            var keysInWindow: [Int32] = []
            for slot in window.slots {
                for key in accumulators.touched[Int(slot)] where keyStamps[Int(key)] != keyStamp {
                    keyStamps[Int(key)] = keyStamp
                    keysInWindow.append(key)
                }
            }
            try emitRows(keysInWindow, slots: window.slots, start: window.start, timing: .onTime, emit: emit)
        }
    }

    private func emitRows(_ keys: [Int32], slots: [Int32], start: Int64, timing: WindowEmitter.Timing, emit: (Batch) throws -> Void) throws {
        let keyCapacity = accumulators.keyCapacity
        try withUnsafeTemporaryAllocation(of: Int.self, capacity: slots.count) { cellBuffer in
            for key in keys {
                var n = 0
                for slot in slots {
                    let cell = Int(slot) * keyCapacity + Int(key)
                    if accumulators.rows[cell] > 0 {
                        cellBuffer[n] = cell
                        n += 1
                    }
                }
                guard n > 0 else { continue }
                try emitter.writeRow(key: key, start: start, end: nil, timing: timing,
                                     cells: UnsafeBufferPointer(rebasing: cellBuffer[0..<n]), emit: emit)
            }
        }
    }

    /// Windows that already fired and took late records within the allowed lateness: their
    /// corrected results, marked `late`.
    private func emitLateCorrections(emit: (Batch) throws -> Void) throws {
        guard !refire.isEmpty else { return }
        for item in refire.sorted() {
            try emitRows([item.key], slots: state.slots(ofWindow: item.window), start: state.windowStart(item.window), timing: .late, emit: emit)
        }
        refire.removeAll(keepingCapacity: true)
        refireDeadline = .max
    }

    /// `emit: updates`: the current result of every still-open window a record of this batch went into.
    private func emitEarlyUpdates(emit: (Batch) throws -> Void) throws {
        guard !touchedThisBatch.isEmpty else { return }
        var paneOfSlot: [Int32: Int64] = [:]
        for (pane, slot) in state.open { paneOfSlot[slot] = pane }
        var updates = Set<WindowKey>()
        for item in touchedThisBatch {
            guard let pane = paneOfSlot[item.slot] else { continue }
            let windows = state.windows(containingPane: pane)
            let first = Swift.max(windows.lowerBound, state.firedThrough == .min ? .min : state.firedThrough + 1)
            guard first <= windows.upperBound else { continue }
            for k in first...windows.upperBound { updates.insert(WindowKey(window: k, key: item.key)) }
        }
        for item in updates.sorted() {
            try emitRows([item.key], slots: state.slots(ofWindow: item.window), start: state.windowStart(item.window), timing: .early, emit: emit)
        }
        touchedThisBatch.removeAll(keepingCapacity: true)
    }
}

/// Where processing-time windows read the time.
enum WindowClockSource {
    /// Wall-clock time in epoch milliseconds.
    @Sendable static func wallMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
