/// What every window operator does with its input rows before its own kind of state: find each
/// row's event time (or the processing time), the largest event time before it (per source
/// partition, see ``SourceWatermarks``), and its key id; reject rows whose time or key is null.
/// Also registers the three rejection reasons windows use and carries the parallel runtime's hints.
final class WindowInput {
    let spec: WindowSpec
    let keys: WindowKeys
    let timeSlot: Int?
    let timeIsFloat: Bool
    let lateReason: Int, missingKeyReason: Int, missingTimeReason: Int
    /// Event-time progress per source partition: the watermark follows the slowest partition.
    private(set) var sources = SourceWatermarks()
    /// The wall clock in epoch milliseconds, for processing-time windows (replaceable in tests).
    var processingClock: () -> Int64 = WindowClockSource.wallMilliseconds
    var batchMaxTimeHint: Int64?
    var rowWatermarkHint: UnsafePointer<Int64>?

    init(_ spec: WindowSpec, inputSchema: Schema, dictionaries: [String: KeyDictionary], deadLetters: DeadLetters) throws(PlanError) {
        self.spec = spec
        keys = try WindowKeys(spec.by, inputSchema: inputSchema, dictionaries: dictionaries)
        (timeSlot, timeIsFloat) = try WindowStatistics.timeField(spec, inputSchema)
        let rule = "window \(spec.kind) by \(spec.by.joined(separator: ", "))"
        lateReason = deadLetters.register(RejectionReason(.lateEvent, rule: rule, field: spec.time))
        missingKeyReason = deadLetters.register(RejectionReason(.missingKey, rule: rule, field: spec.by.joined(separator: ",")))
        missingTimeReason = deadLetters.register(RejectionReason(.missingTime, rule: rule, field: spec.time))
    }

    /// Calls `place(row, time, maxBefore, key)` for every selected row with a time and a key, in
    /// order; `place` returns whether the row stays selected (it may reject it itself). Compacts the
    /// selection and returns the batch's largest event time (with the runtime's hint).
    @inline(__always)
    func forEachRow(_ batch: Batch, _ deadLetters: DeadLetters, _ place: (Int, Int64, Int64, Int32) throws -> Bool) throws -> Int64 {
        let prepared = keys.prepare(batch)
        let processingNow = spec.clock == .processing ? processingClock() : 0
        let timeColumn = timeSlot.map { batch.columns[$0] }
        let times = timeColumn?.int64, timeValid = timeColumn?.validity
        sources.configure(batch)
        let (ownBefore, others) = sources.before(partition: batch.sourcePartition)
        var running = ownBefore
        let rowHint = rowWatermarkHint
        rowWatermarkHint = nil
        var batchMaxTime = Int64.min
        let sel = batch.selection
        var kept = 0
        for j in 0..<batch.selectedCount {
            let r = Int(sel[j])
            let t: Int64
            if let times {
                guard timeValid.unsafelyUnwrapped[r] != 0 else {
                    try deadLetters.reject(batch, row: r, reason: missingTimeReason, value: "null")
                    continue
                }
                t = timeIsFloat ? Int64(timeColumn.unsafelyUnwrapped.float64[r].rounded(.down)) : times[r]
            } else {
                t = processingNow
            }
            let maxBefore: Int64
            if let rowHint {
                maxBefore = Swift.min(Swift.max(ownBefore, rowHint[r]), others)
            } else {
                maxBefore = Swift.min(running, others)
                if t > running { running = t }
            }
            if t > batchMaxTime { batchMaxTime = t }
            guard let key = keys.id(batch, r, prepared) else {
                try deadLetters.reject(batch, row: r, reason: missingKeyReason, value: "null")
                continue
            }
            guard try place(r, t, maxBefore, key) else { continue }
            sel[kept] = Int32(truncatingIfNeeded: r)
            kept += 1
        }
        batch.selectedCount = kept
        if let hint = batchMaxTimeHint {
            batchMaxTime = Swift.max(batchMaxTime, hint)
            batchMaxTimeHint = nil
        }
        return batchMaxTime
    }

    /// After a batch: folds its largest event time into the partition's progress and applies the
    /// partitions that finished; returns the time the watermark may follow (`.min`: none yet).
    func endBatch(_ batch: Batch, maxTime: Int64) -> Int64 {
        if maxTime != .min { sources.observe(partition: batch.sourcePartition, time: maxTime) }
        sources.finish(batch.finishedPartitions)
        return sources.combined
    }

    /// Checkpoints: the watermark progress (the key space is saved key by key by the window).
    func saveState(to w: inout StateWriter) { sources.saveState(to: &w) }

    func restoreState(from r: inout StateReader) throws(CheckpointError) {
        try sources.restoreState(from: &r)
        keys.resetForRestore()
    }

    /// Key ids at which the window considers compacting its key space (tests lower it).
    var compactionThreshold = 1 << 16
    private var nextCompactionCheck = 0
    private(set) var compactions = 0

    /// Between batches: when the key space has grown to at least twice the keys still holding
    /// state (`live`), rebuild it with just those and let the state rename its keys (`remap`).
    func compactIfSparse(live: () -> [Int32], remap: ([Int32]) -> Void) {
        let ids = keys.idCount
        guard ids >= max(compactionThreshold, nextCompactionCheck) else { return }
        let liveKeys = live()
        if ids >= 2 * liveKeys.count {
            remap(keys.compact(keeping: liveKeys))
            compactions += 1
        }
        nextCompactionCheck = max(compactionThreshold, 2 * keys.idCount)
    }
}
