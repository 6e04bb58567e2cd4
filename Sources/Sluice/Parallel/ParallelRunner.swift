#if canImport(Glibc)
import Glibc
#endif

/// How a parallel run is laid out.
public struct ParallelOptions: Sendable, Hashable {
    /// Worker threads; each decodes blocks and owns one shard of the keyed state.
    public var shards: Int
    /// Blocks the reader may read ahead of the workers (in addition to those being worked on).
    public var prefetch: Int
    /// Key groups (hash partitions of the key space). More groups than shards, as in Flink, so a
    /// group can move between shards without rehashing keys; groups are assigned to shards in
    /// contiguous ranges.
    public var keyGroups: Int

    public init(shards: Int = ParallelOptions.defaultShards, prefetch: Int = 4, keyGroups: Int = 128) {
        self.shards = max(1, shards)
        self.prefetch = max(0, prefetch)
        self.keyGroups = max(self.shards, keyGroups)
    }

    /// The number of online cores.
    public static var defaultShards: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Units of work that exist at once: the memory bound of a run. A unit is one block of input
    /// bytes plus one decoded batch; the reader blocks when all are in use (backpressure).
    public var pooledUnits: Int { shards * 2 + prefetch }

    func shard(ofGroup group: Int) -> Int { group * shards / keyGroups }
}

/// Runs a pipeline on several threads: sharded by key, with prefetching and bounded queues.
///
/// ```
///  reader thread ──blocks──▶ worker 0: decode + fused stateless stage + route ─┐
///  (prefetch, bounded)       worker 1: decode + fused stateless stage + route ─┤ per-shard selections
///                                                                              ▼
///                             shard k (on worker k): window state for its key groups ──▶ sink (locked)
/// ```
///
/// - The reader cuts the input into blocks of whole records (at most one batch each) and
///   reads ahead up to `prefetch` blocks, so I/O overlaps decoding.
/// - Any worker decodes any block, runs the stateless operators on the whole batch and computes,
///   for every shard, the selection of its rows (by key group of the grouping key's hash). No
///   rows are copied: each shard reads the shared batch through its own view.
/// - Each shard processes the batches strictly in input order and is told the batch's largest
///   event time, so watermarks, window closes and late-event decisions are exactly those of a
///   single-threaded run; only the order of output rows differs.
/// - Memory is bounded by ``ParallelOptions/pooledUnits``: a slow sink stops the shards, which
///   stops decoding, which stops the reader.
public final class ParallelRunner {
    public let spec: PipelineSpec
    public let options: ParallelOptions
    public let source: any BlockSource
    /// One sink per shard (each shard encodes its own output; they share a locked byte sink),
    /// or a single sink that the shards take turns writing to.
    public let sinks: [any RecordSink]
    public let deadLetters: DeadLetters
    public let plans: [PhysicalPlan]
    public var progressInterval = 0.5
    /// Periodic checkpoints (needs a ``CheckpointableSource``); restores the latest one on start.
    public var checkpointing: CheckpointOptions?
    /// The checkpoint this run resumed from, if any.
    public private(set) var restoredCheckpoint: Checkpoint?
    /// Newer checkpoint files that could not be read and were passed over on start.
    public private(set) var skippedCheckpoints: [String] = []
    /// Checkpoints written by the last run (the final one included).
    public private(set) var checkpoints: [CheckpointReport] = []
    /// Serializes checkpoint and partition-state writes (and the lists of reports).
    let checkpointLock = Monitor()
    /// Guards `nextCheckpointID` only, so the reader never waits for a checkpoint being written.
    private let checkpointIDLock = Monitor()
    private var nextCheckpointID: Int64 = 1
    /// Told what the run does as it happens (metrics); nil costs nothing.
    public var observer: (any RunObserver)?
    /// Per stage, the observer's index of each operator and of the stage's terminal (see ``RunObserver``).
    private(set) var operatorIndices: [(operators: [Int], terminal: Int?)] = []

    /// Per-partition state for a ``PartitionedSource`` (consumer-group workers): one plan per owned
    /// partition, saved every interval and when the partition is revoked, restored when it is
    /// assigned. Excludes ``checkpointing`` (whole-run checkpoints assume a fixed set of partitions).
    public var partitionState: PartitionStateOptions?
    /// The partitions owned during a run with ``partitionState``.
    var partitionTasks: PartitionTasks?
    /// Saves of partition state written by the last run (the final one included).
    public private(set) var partitionSaves: [PartitionSaveReport] = []
    private let batchSize: Int?
    private let resources: PlanResources
    /// Per partition, the position of its last save by this run (guarded by `checkpointLock`).
    var savedPositions: [Int: Int64] = [:]

    public convenience init(spec: PipelineSpec, options: ParallelOptions, source: any BlockSource, sink: any RecordSink,
                            deadLetters: DeadLetters, batchSize: Int? = nil, resources: PlanResources = PlanResources()) throws(PlanError) {
        try self.init(spec: spec, options: options, source: source, sinks: [sink], deadLetters: deadLetters, batchSize: batchSize, resources: resources)
    }

    /// - Parameter sinks: one sink, or one per shard (`options.shards`); the first also receives
    ///   the output of pipelines without keyed state, which are written in input order.
    ///   - resources: lookup tables for `enrich` steps; every shard's plan opens its own (with its own cache).
    public init(spec: PipelineSpec, options: ParallelOptions, source: any BlockSource, sinks: [any RecordSink],
                deadLetters: DeadLetters, batchSize: Int? = nil, resources: PlanResources = PlanResources()) throws(PlanError) {
        guard sinks.count == 1 || sinks.count == options.shards else {
            throw PlanError("a parallel run needs one sink or one per shard (\(options.shards)), got \(sinks.count)")
        }
        self.spec = spec
        self.options = options
        self.source = source
        self.sinks = sinks
        self.deadLetters = deadLetters
        self.batchSize = batchSize
        self.resources = resources
        var plans: [PhysicalPlan] = []
        for _ in 0..<options.shards {
            plans.append(try PlanCompiler.compile(spec, deadLetters: deadLetters, batchSize: batchSize, resources: resources))
        }
        self.plans = plans
    }

    /// Per-shard rows processed by the keyed stage, after the last run.
    public private(set) var shardLoad: [Int] = []

    public func run(progress: ((RunProgress) -> Void)? = nil) throws -> RunSummary {
        let start = monotonicSeconds()
        let checkpointSource = try restoreCheckpoint()
        let partitioned = try preparePartitionState()
        if let observer {
            var names: [String] = []
            operatorIndices = plans[0].stages.enumerated().map { s, stage in
                let ops = stage.operators.map { op -> Int in
                    names.append("stage \(s + 1): \(op.explanation)")
                    return names.count - 1
                }
                let terminal = stage.terminal.map { t -> Int in
                    names.append("stage \(s + 1): \(t.explanation)")
                    return names.count - 1
                }
                return (ops, terminal)
            }
            observer.start(operators: names)
        }
        try source.open(schema: spec.schema)
        for sink in sinks { try sink.open(schema: plans[0].outputSchema) }
        // Stopped with checkpoints: open windows stay open in the final checkpoint, not flushed incomplete.
        // Per-partition state: they stay open in the partitions' saved state, for whoever owns them next.
        let run = ParallelRun(runner: self, start: start, progress: progress,
                              keepsOpenWindowsAtEnd: { partitioned != nil || (checkpointSource?.endedByStop ?? false) })
        try run.execute()
        let taskPlans = partitionTasks?.tasks.values.map(\.plan) ?? []
        for plan in plans + taskPlans { try plan.finishOperators() }
        for sink in sinks { try sink.close() }
        try deadLetters.flush()
        if let checkpointSource {
            // Everything is flushed and acknowledged: the final state and positions.
            try completeCheckpoint(CheckpointBarrier(id: takeCheckpointID(), positions: checkpointSource.checkpointPositions, shards: plans.count),
                                   states: plans.map { $0.saveState().bytes }, last: true)
        }
        if let partitioned, let tasks = partitionTasks {
            let barrier = CheckpointBarrier(id: 0, positions: partitioned.checkpointPositions, shards: plans.count)
            barrier.partitionStates = tasks.partitions.map { tasks[$0]!.plan.savedPartitionState($0) }
            barrier.busySeconds = run.busySeconds
            barrier.recordsRead = run.linesRead
            try savePartitions(barrier, runStart: start, final: true)
        }
        shardLoad = run.shardRows
        let seconds = monotonicSeconds() - start
        let windows = (plans + taskPlans).reduce(partitionTasks?.retiredWindows ?? 0) { $0 + $1.windowsEmitted }
        let mean = Double(shardLoad.reduce(0, +)) / Double(max(1, shardLoad.count))
        let enrichments = EnrichStatistics.merged(plans.map(\.enrichStatistics))
        var summary = RunSummary(
            pipeline: spec.name,
            recordsIn: run.recordsIn,
            recordsOut: sinks.reduce(0) { $0 + $1.recordsWritten },
            deadLettered: deadLetters.total,
            deadLetterReasons: deadLetters.counts.map { .init(reason: $0.reason.code.rawValue, rule: $0.reason.rule, count: $0.count) },
            bytesIn: source.bytesRead,
            seconds: seconds,
            windowsEmitted: windows,
            stateBytes: (plans + taskPlans).reduce(0) { $0 + $1.stateBytes },
            peakRSSBytes: peakResidentBytes(),
            shards: shardLoad.count > 1 ? shardLoad : nil,
            shardSkew: shardLoad.count > 1 && mean > 0 ? Double(shardLoad.max() ?? 0) / mean : nil
        )
        summary.enrichments = enrichments.isEmpty ? nil : enrichments
        return summary
    }
}

extension ParallelRunner {
    /// With checkpointing: checks the run can be checkpointed, restores the latest checkpoint into
    /// every shard's plan and points the source at its positions. Returns the source.
    private func restoreCheckpoint() throws -> (any CheckpointableSource)? {
        guard let checkpointing else { return nil }
        guard let source = source as? any CheckpointableSource else {
            throw CheckpointError.unsupported("\(source.name) cannot resume from a saved position; checkpoints need a kafka:// input")
        }
        try plans[0].checkCheckpointSupport()
        try checkpointing.store.lockForWriting()
        checkpoints = []
        let transactional = checkpointing.transactional
        let (latest, skipped) = try checkpointing.store.latest { try transactional?.isCommitted($0) ?? true }
        skippedCheckpoints = skipped
        if !skipped.isEmpty { checkpointing.skippedFiles?(skipped) }
        // New ids continue after every file present, restored or passed over, so none is overwritten.
        nextCheckpointID = (try checkpointing.store.ids().first ?? 0) + 1
        guard let latest else { return source }
        try latest.checkMatches(pipeline: spec.name, source: source.name, shards: options.shards, keyGroups: options.keyGroups)
        for (i, plan) in plans.enumerated() { try plan.restoreState(latest.shardStates[i]) }
        try source.resume(from: latest.positions)
        restoredCheckpoint = latest
        checkpointing.restored?(latest)
        return source
    }

    /// Writes a checkpoint whose shard states are all in, then hands its positions to the source
    /// (Kafka commits them). Checkpoints complete one at a time, in order.
    func completeCheckpoint(_ barrier: CheckpointBarrier, states: [[UInt8]], last: Bool = false) throws {
        guard let checkpointing, let source = source as? any CheckpointableSource else { return }
        try deadLetters.flush()
        try checkpointLock.withLock {
            let checkpoint = Checkpoint(id: barrier.id, pipeline: spec.name, source: source.name, shards: options.shards, keyGroups: options.keyGroups,
                                        positions: barrier.positions, shardStates: states, createdAtMilliseconds: WindowClockSource.wallMilliseconds())
            let fileBytes = try checkpointing.store.write(checkpoint)
            // The file first: if the transaction then fails to commit, a restart sees that and
            // restores the previous checkpoint instead (see TransactionalOutput).
            try checkpointing.transactional?.commit(checkpoint, last)
            try source.checkpointCompleted(barrier.positions)
            let report = CheckpointReport(id: barrier.id, stateBytes: checkpoint.stateBytes, fileBytes: fileBytes,
                                          seconds: monotonicSeconds() - barrier.started, positions: barrier.positions)
            checkpoints.append(report)
            checkpointing.completed?(report)
        }
    }

    /// With per-partition state: checks the source and the pipeline can keep it; no partition is owned yet.
    private func preparePartitionState() throws -> (any PartitionedSource)? {
        partitionTasks = nil
        partitionSaves = []
        savedPositions = [:]
        guard partitionState != nil else { return nil }
        guard checkpointing == nil else {
            throw CheckpointError.unsupported("whole-run checkpoints and per-partition state exclude each other; a consumer-group worker keeps per-partition state only")
        }
        guard let source = source as? any PartitionedSource else {
            throw CheckpointError.unsupported("\(source.name) has no partitions that move between workers; per-partition state needs a kafka:// input with mode=subscribe")
        }
        guard !plans[0].statefulOperatorNames.isEmpty else {
            throw CheckpointError.unsupported("pipeline '\(spec.name)' keeps no state across batches: there is nothing to move with its partitions")
        }
        try plans[0].checkCheckpointSupport()
        partitionTasks = PartitionTasks(shards: options.shards)
        return source
    }

    /// A fresh plan for a newly owned partition.
    func makePartitionPlan() throws(PlanError) -> PhysicalPlan {
        try PlanCompiler.compile(spec, deadLetters: deadLetters, batchSize: batchSize, resources: resources)
    }

    /// Writes the state of every partition in the barrier (those with a known position), then hands
    /// the positions to the source (Kafka commits them). Saves complete one at a time.
    @discardableResult
    func savePartitions(_ barrier: CheckpointBarrier, runStart: Double, final: Bool = false) throws -> PartitionSaveReport {
        guard let options = partitionState, let source = source as? any CheckpointableSource else { fatalError("savePartitions without per-partition state") }
        try deadLetters.flush()
        return try checkpointLock.withLock {
            var progress: [PartitionProgress] = []
            var fileBytes = 0
            let now = WindowClockSource.wallMilliseconds()
            var written = 0
            // A partition revoked since the barrier was saved by its revocation, at a later position:
            // neither its state nor its offset goes back to the barrier's.
            var positions = barrier.positions
            for p in positions.indices where partitionTasks?[p] == nil { positions[p] = -1 }
            for saved in barrier.partitionStates.sorted(by: { $0.partition < $1.partition }) {
                let position = saved.partition < positions.count ? positions[saved.partition] : -1
                guard position >= 0 else { continue }  // nothing read, nothing restored, or no longer ours
                progress.append(PartitionProgress(partition: saved.partition, position: position, watermark: saved.watermark, stateBytes: saved.state.count))
                // Unchanged since its last save (an idle partition): the file there is this state.
                if savedPositions[saved.partition] == position { continue }
                fileBytes += try options.store.write(PartitionState(pipeline: spec.name, source: source.name, partition: saved.partition, position: position,
                                                                    watermark: saved.watermark, createdAtMilliseconds: now, state: saved.state))
                savedPositions[saved.partition] = position
                written += 1
            }
            try source.checkpointCompleted(positions)
            let report = PartitionSaveReport(partitions: progress, written: written, stateBytes: progress.reduce(0) { $0 + $1.stateBytes }, fileBytes: fileBytes,
                                             seconds: monotonicSeconds() - barrier.started, recordsRead: barrier.recordsRead,
                                             uptimeSeconds: monotonicSeconds() - runStart, busySeconds: barrier.busySeconds.reduce(0, +),
                                             shards: plans.count, final: final)
            partitionSaves.append(report)
            options.events?(.saved(report))
            return report
        }
    }

    /// The reader's next checkpoint id (one past the last written or restored).
    func takeCheckpointID() -> Int64 {
        checkpointIDLock.withLock {
            defer { nextCheckpointID += 1 }
            return nextCheckpointID
        }
    }
}

/// A checkpoint travelling through the run as a block of its own: every shard saves its state
/// when it reaches it, i.e. after exactly the blocks before it (shards process blocks in order).
final class CheckpointBarrier: @unchecked Sendable {
    // Safe: `states` is written under the run's monitor, one slot per shard; the rest is immutable.
    let id: Int64
    let positions: [Int64]
    let started = monotonicSeconds()
    var states: [[UInt8]]
    /// Per-partition state: what each shard saved of the partitions it runs (under the monitor).
    var partitionStates: [SavedPartition] = []
    /// Per shard, seconds spent working since the run started; records read when the barrier was cut.
    var busySeconds: [Double]
    var recordsRead: Int64 = 0
    /// Set (under the monitor) once the checkpoint is durable: with transactional output, shards wait for it.
    var completed = false

    init(id: Int64, positions: [Int64], shards: Int) {
        self.id = id
        self.positions = positions
        states = Array(repeating: [], count: shards)
        busySeconds = Array(repeating: 0, count: shards)
    }
}

/// One partition's part of a save.
struct SavedPartition {
    let partition: Int
    let state: [UInt8]
    let watermark: Int64
}

extension PhysicalPlan {
    func savedPartitionState(_ partition: Int) -> SavedPartition {
        SavedPartition(partition: partition, state: saveState().bytes, watermark: firstWindowWatermark)
    }
}

/// One unit of work: a block of input and the batch it decodes into, plus one view per shard.
final class WorkUnit: @unchecked Sendable {
    // Safe: owned by one thread at a time; hand-offs go through the run's Monitor, and shard
    // threads only read `batch` (each writes only its own view's selection).
    let block: Block
    let batch: Batch
    let views: [Batch]
    var sequence = 0
    var remaining = 0
    var maxEventTime = Int64.min
    /// Set when the unit carries a checkpoint barrier instead of input.
    var barrier: CheckpointBarrier?
    /// With per-partition state: the partition whose plan processes the block (-1: none).
    var taskPartition = -1
    /// When its decoding started (for the micro-batch latency an observer sees).
    var decodeStarted = 0.0
    /// Per row: the largest event time of the rows before it in this batch (see ShardRouter).
    let rowWatermarks: UnsafeMutablePointer<Int64>

    init(block: Block, batch: Batch, shards: Int) {
        self.block = block
        self.batch = batch
        views = (0..<shards).map { _ in Batch(viewOf: batch) }
        rowWatermarks = .allocate(capacity: batch.capacity)
        rowWatermarks.initialize(repeating: .min, count: batch.capacity)
    }

    deinit { rowWatermarks.deallocate() }
}

/// The state of one parallel run, shared by its threads under `monitor`.
final class ParallelRun: @unchecked Sendable {
    // Safe: every mutable field below is read and written with `monitor` held, except
    // `shardRows[i]`/`decoded[i]`, each written only by worker i and read after all joined.
    let runner: ParallelRunner
    let monitor = Monitor()
    let sinkLock = Monitor()
    let shards: Int
    let start: Double
    let progress: ((RunProgress) -> Void)?

    var free: [WorkUnit] = []
    var ready: [WorkUnit] = []
    var readyHead = 0
    var inboxes: [[Int: WorkUnit]]
    var nextSequence: [Int]
    var readerDone = false
    var totalBlocks = 0
    var failure: (any Error)?
    var shardRows: [Int]
    var decodedRecords: [Int64]
    var oversizedRecords: [Int64]
    var nextProgress: Double
    /// Per shard: seconds spent decoding and processing (each written by its shard only).
    var busySeconds: [Double]
    /// Records handed to the pipeline (reader thread only).
    var linesRead: Int64 = 0
    /// The partitions this worker owns (per-partition state), else nil.
    let partitionTasks: PartitionTasks?
    let observer: (any RunObserver)?
    let operatorIndices: [(operators: [Int], terminal: Int?)]
    /// Asked once the input ended: whether the shards leave their windows open (see ``ParallelRunner/run(progress:)``).
    let keepsOpenWindowsAtEnd: () -> Bool

    init(runner: ParallelRunner, start: Double, progress: ((RunProgress) -> Void)?, keepsOpenWindowsAtEnd: @escaping () -> Bool = { false }) {
        self.keepsOpenWindowsAtEnd = keepsOpenWindowsAtEnd
        self.runner = runner
        self.start = start
        self.progress = progress
        shards = runner.options.shards
        inboxes = Array(repeating: [:], count: shards)
        nextSequence = Array(repeating: 0, count: shards)
        shardRows = Array(repeating: 0, count: shards)
        decodedRecords = Array(repeating: 0, count: shards)
        oversizedRecords = Array(repeating: 0, count: shards)
        busySeconds = Array(repeating: 0, count: shards)
        partitionTasks = runner.partitionTasks
        observer = runner.observer
        operatorIndices = runner.operatorIndices
        nextProgress = start + runner.progressInterval
        let blockCapacity = (1 << 20) + (64 << 10)
        for _ in 0..<runner.options.pooledUnits {
            free.append(WorkUnit(block: Block(capacity: blockCapacity), batch: runner.plans[0].makeInputBatch(), shards: shards))
        }
    }

    var recordsIn: Int64 { decodedRecords.reduce(0, +) + oversizedRecords.reduce(0, +) }

    /// One decoder per worker, each used only by its worker.
    private var decoders: [any RecordDecoder] = []

    func execute() throws {
        if let drainable = runner.source as? any DrainableSource {
            drainable.drainHandler = { [unowned self] in try self.drainAndFlush() }
        }
        defer { (runner.source as? any DrainableSource)?.drainHandler = nil }
        if partitionTasks != nil, let partitioned = runner.source as? any PartitionedSource {
            partitioned.partitionHandler = self
        }
        defer { (runner.source as? any PartitionedSource)?.partitionHandler = nil }
        decoders = (0..<shards).map { _ in runner.source.makeDecoder() }
        for d in decoders { try d.open(schema: runner.spec.schema) }
        let reader = WorkerThread { [self] in readLoop() }
        let workers = (0..<shards).map { i in WorkerThread { [self] in workLoop(i, decoder: decoders[i]) } }
        reader.join()
        for w in workers { w.join() }
        for (i, d) in decoders.enumerated() { decodedRecords[i] = d.recordsRead }
        if let failure { throw failure }
    }

    private func fail(_ error: any Error) {
        monitor.withLock {
            if failure == nil { failure = error }
            monitor.broadcast()
        }
    }

    // MARK: Reader (prefetch)

    private func readLoop() {
        var sequence = 0
        let maxLines = runner.plans[0].batchSize
        let checkpointSource = runner.checkpointing == nil && partitionTasks == nil ? nil : runner.source as? any CheckpointableSource
        let interval = runner.checkpointing?.intervalSeconds ?? runner.partitionState?.intervalSeconds ?? .infinity
        var nextCheckpoint = monotonicSeconds() + interval
        var blocksSinceCheckpoint = 0  // a barrier needs input since the last one
        let pausable = runner.source as? any PausableSource
        while true {
            let unit: WorkUnit?
            do {
                unit = try takeFreeUnit(pausable)
            } catch {
                fail(error)
                return
            }
            guard let unit else { return }
            unit.barrier = nil
            if let checkpointSource, blocksSinceCheckpoint > 0, monotonicSeconds() >= nextCheckpoint {
                blocksSinceCheckpoint = 0
                // A barrier after the blocks read so far, at the position they end at.
                unit.barrier = CheckpointBarrier(id: runner.takeCheckpointID(), positions: checkpointSource.checkpointPositions, shards: shards)
                unit.barrier!.recordsRead = linesRead
                unit.block.count = 0
                unit.block.lines = 0
                monitor.withLock {
                    unit.sequence = sequence
                    sequence += 1
                    ready.append(unit)
                    monitor.broadcast()
                }
                nextCheckpoint = monotonicSeconds() + interval
                continue
            }
            let more: Bool
            do {
                more = try runner.source.next(into: unit.block, maxLines: maxLines)
            } catch {
                fail(error)
                return
            }
            if more {
                blocksSinceCheckpoint += 1
                linesRead += Int64(unit.block.lines)
                if unit.block.lines > 0 { observer?.recordsRead(unit.block.lines, bytes: unit.block.count) }
            }
            monitor.withLock {
                if more {
                    unit.sequence = sequence
                    sequence += 1
                    ready.append(unit)
                } else {
                    free.append(unit)
                    readerDone = true
                    totalBlocks = sequence
                }
                monitor.broadcast()
            }
            if !more { return }
        }
    }

    /// Units the reader holds (0 or 1): what ``drainAndFlush()`` leaves out when it waits for the rest.
    private var readerUnits = 0

    /// The reader's next unit, or nil once the run failed. While none is free, a pausable source is
    /// told every 100 ms (and told again when a unit came back).
    private func takeFreeUnit(_ pausable: (any PausableSource)?) throws -> WorkUnit? {
        var blocked = false
        while true {
            let (unit, timedOut): (WorkUnit?, Bool) = monitor.withLock {
                readerUnits = 0
                let deadline = monotonicSeconds() + 0.1
                while free.isEmpty && failure == nil {
                    if pausable == nil {
                        monitor.wait()
                        continue
                    }
                    // Other threads broadcast often: measure the 100 ms from the start of the wait.
                    let left = deadline - monotonicSeconds()
                    if left <= 0 { return (nil, true) }
                    _ = monitor.wait(timeoutSeconds: left)
                }
                guard failure == nil else { return (nil, false) }
                readerUnits = 1
                return (free.removeLast(), false)
            }
            if timedOut, let pausable {
                blocked = true
                try pausable.readerBlocked()
                continue
            }
            if blocked, unit != nil { try pausable?.readerUnblocked() }
            return unit
        }
    }

    // MARK: Workers

    private enum Task {
        case shard(WorkUnit)
        case decode(WorkUnit)
        case finish
        case abort
    }

    private func nextTask(_ i: Int) -> Task {
        monitor.withLock {
            while true {
                if failure != nil { return .abort }
                if let unit = inboxes[i].removeValue(forKey: nextSequence[i]) {
                    nextSequence[i] += 1
                    return .shard(unit)
                }
                if readyHead < ready.count {
                    let unit = ready[readyHead]
                    readyHead += 1
                    if readyHead > 64 {
                        ready.removeFirst(readyHead)
                        readyHead = 0
                    }
                    return .decode(unit)
                }
                if readerDone && nextSequence[i] == totalBlocks { return .finish }
                monitor.wait()
            }
        }
    }

    private func workLoop(_ i: Int, decoder: any RecordDecoder) {
        let plan = runner.plans[i]
        let router = ShardRouter(plan: plan, options: runner.options)
        do {
            loop: while true {
                switch nextTask(i) {
                case .abort:
                    return
                case .finish:
                    if !keepsOpenWindowsAtEnd() {
                        for (s, stage) in plan.stages.enumerated() {
                            try stage.terminal?.finish(runner.deadLetters) { try runStage(plan, s + 1, $0, shard: i) }
                        }
                    }
                    break loop
                case .decode(let unit):
                    let started = monotonicSeconds()
                    if unit.barrier == nil { try decode(unit, worker: i, decoder: decoder, plan: plan, router: router) }
                    busySeconds[i] += monotonicSeconds() - started
                    monitor.withLock {
                        unit.remaining = shards
                        for s in 0..<shards { inboxes[s][unit.sequence] = unit }
                        monitor.broadcast()
                    }
                case .shard(let unit) where unit.barrier != nil:
                    if partitionTasks != nil {
                        try savePartitions(unit, shard: i)
                    } else {
                        try checkpoint(unit, shard: i, plan: plan)
                    }
                case .shard(let unit) where partitionTasks != nil:
                    let started = monotonicSeconds()
                    try processPartition(unit, shard: i)
                    busySeconds[i] += monotonicSeconds() - started
                    release(unit)
                case .shard(let unit):
                    let started = monotonicSeconds()
                    defer { busySeconds[i] += monotonicSeconds() - started }
                    let view = unit.views[i]
                    shardRows[i] += view.selectedCount
                    let stage = plan.stages[0]
                    if stage.routingSlots != nil {
                        // Keyed operators of stage 1 see every row of their keys here.
                        try runKeyedOperators(stage, view)
                    }
                    if let terminal = stage.terminal {
                        if view.selectedCount > 0 || unit.maxEventTime != .min || !view.finishedPartitions.isEmpty {
                            terminal.batchMaxTimeHint = unit.maxEventTime == .min ? nil : unit.maxEventTime
                            terminal.rowWatermarkHint = UnsafePointer(unit.rowWatermarks)
                            try processTerminal(terminal, stage: 0, view) { try runStage(plan, 1, $0, shard: i) }
                        }
                    } else if view.selectedCount > 0 {
                        try write(view, plan: plan, shard: i)
                    }
                    release(unit)
                    if i == 0, let progress { reportProgress(progress) }
                }
            }
        } catch {
            fail(error)
        }
    }

    /// This shard is done with `unit`; the last one returns it to the pool.
    private func release(_ unit: WorkUnit) {
        let last: Bool = monitor.withLock {
            unit.remaining -= 1
            guard unit.remaining == 0 else { return false }
            free.append(unit)
            monitor.broadcast()
            return true
        }
        if last, let observer { observer.microBatchCompleted(seconds: monotonicSeconds() - unit.decodeStarted) }
    }

    /// Per-partition state: the owner shard runs the block's rows through its partition's plan
    /// (which sees that partition alone, so its watermark is the partition's own).
    private func processPartition(_ unit: WorkUnit, shard i: Int) throws {
        let view = unit.views[i]
        guard view.selectedCount > 0, let tasks = partitionTasks else { return }
        guard let task = tasks[unit.taskPartition], task.shard == i else {
            throw PlanError("records of partition \(unit.taskPartition) reached shard \(i), which does not run that partition")
        }
        shardRows[i] += view.selectedCount
        let plan = task.plan
        let stage = plan.stages[0]
        try runKeyedOperators(stage, view)
        if let terminal = stage.terminal {
            if view.selectedCount > 0 { try processTerminal(terminal, stage: 0, view) { try runStage(plan, 1, $0, shard: i) } }
        } else if view.selectedCount > 0 {
            try write(view, plan: plan, shard: i)
        }
        if task.awaitingFirstRecords {
            task.awaitingFirstRecords = false
            runner.partitionState?.events?(.processing(partition: unit.taskPartition, seconds: monotonicSeconds() - task.assignedAt))
        }
    }

    /// Per-partition state: this shard's part of a save (the state of the partitions it runs, its
    /// output flushed); the last shard to arrive writes the files.
    private func savePartitions(_ unit: WorkUnit, shard i: Int) throws {
        let barrier = unit.barrier!
        let saved = partitionTasks!.partitions(onShard: i).map { partitionTasks![$0]!.plan.savedPartitionState($0) }
        if runner.sinks.count == 1 {
            try sinkLock.withLock { try runner.sinks[0].flush() }
        } else {
            try runner.sinks[i].flush()
        }
        let last: Bool = monitor.withLock {
            barrier.partitionStates += saved
            barrier.busySeconds[i] = busySeconds[i]
            unit.remaining -= 1
            guard unit.remaining == 0 else { return false }
            free.append(unit)
            monitor.broadcast()
            return true
        }
        if last { try runner.savePartitions(barrier, runStart: start) }
    }

    /// On the reader thread (holding a unit, or none while it waits for one): waits until every other unit is back, i.e. every
    /// block handed out was processed by every shard, then flushes the output. The shards are idle
    /// meanwhile (nothing is ready), so flushing their sinks from here does not race with them.
    private func drainAndFlush() throws {
        try monitor.withLock {
            while free.count < runner.options.pooledUnits - readerUnits && failure == nil { monitor.wait() }
            if let failure { throw failure }
        }
        for sink in runner.sinks { try sink.flush() }
        try runner.deadLetters.flush()
    }

    /// This shard's part of a checkpoint: its state after every block before the barrier, and its
    /// output flushed. The last shard to arrive writes the checkpoint.
    private func checkpoint(_ unit: WorkUnit, shard i: Int, plan: PhysicalPlan) throws {
        let barrier = unit.barrier!
        let state = plan.saveState().bytes
        if runner.sinks.count == 1 {
            try sinkLock.withLock { try runner.sinks[0].flush() }
        } else {
            try runner.sinks[i].flush()
        }
        let last: Bool = monitor.withLock {
            barrier.states[i] = state
            unit.remaining -= 1
            guard unit.remaining == 0 else { return false }
            free.append(unit)
            monitor.broadcast()
            return true
        }
        if last {
            try runner.completeCheckpoint(barrier, states: barrier.states)
            monitor.withLock {
                barrier.completed = true
                monitor.broadcast()
            }
        } else if runner.checkpointing?.transactional != nil {
            // Output after the barrier belongs to the next transaction: wait until this one committed.
            monitor.withLock {
                while !barrier.completed && failure == nil { monitor.wait() }
            }
        }
    }

    private func reportProgress(_ progress: (RunProgress) -> Void) {
        let now = monotonicSeconds()
        guard now >= nextProgress else { return }
        nextProgress = now + runner.progressInterval
        progress(RunProgress(recordsIn: -1, bytesIn: runner.source.bytesRead, totalBytes: runner.source.totalBytes, seconds: now - start))
    }

    /// Decodes a block, runs the fused stateless stage, and splits the rows among the shards.
    private func decode(_ unit: WorkUnit, worker: Int, decoder: any RecordDecoder, plan: PhysicalPlan, router: ShardRouter) throws {
        let batch = unit.batch
        let block = unit.block
        if observer != nil { unit.decodeStarted = monotonicSeconds() }
        batch.reset()
        batch.sourceName = block.sourceName ?? runner.source.name
        batch.sourcePartition = block.partition
        batch.partitionCount = block.partitionCount
        batch.finishedPartitions = block.finishedPartitions
        unit.taskPartition = -1
        if partitionTasks != nil {
            // Each partition's plan sees its partition alone: one unpartitioned stream to it.
            unit.taskPartition = Int(block.partition)
            batch.sourcePartition = -1
            batch.partitionCount = 0
            batch.finishedPartitions = []
        }
        decoder.sourceName = batch.sourceName
        // Key columns carry this worker's dictionary ids.
        plan.replaceFullDictionaries()
        plan.attachDictionaries(to: batch)
        batch.recordBytes = UnsafeRawPointer(block.bytes)
        decoder.reposition(line: block.firstLine, offset: block.offset)
        if block.oversizedRecord {
            oversizedRecords[worker] += 1
            try decoder.rejectOversized(UnsafeRawBufferPointer(start: block.bytes, count: block.count), line: block.firstLine,
                                        offset: block.offset, deadLetters: runner.deadLetters)
        } else {
            _ = try decoder.decode(block.bytes, count: block.count, atEnd: true, into: batch, deadLetters: runner.deadLetters)
        }
        batch.selectAll()
        let stage = plan.stages[0]
        for (o, op) in stage.operators[..<stage.shardStart].enumerated() {
            if batch.selectedCount == 0 { break }
            let rowsIn = batch.selectedCount
            try op.process(batch, runner.deadLetters)
            observer?.operatorProcessed(operatorIndices[0].operators[o], rowsIn: rowsIn, rowsOut: batch.selectedCount)
        }
        if stage.routingSlots == nil {
            // No keyed state: one consumer writes the batches in input order.
            for (s, view) in unit.views.enumerated() {
                view.syncView(with: batch)
                if s == 0 {
                    view.selection.update(from: batch.selection, count: batch.selectedCount)
                    view.selectedCount = batch.selectedCount
                }
            }
            unit.maxEventTime = .min
            return
        }
        if let tasks = partitionTasks {
            // The whole block goes to the shard running its partition.
            let owner = unit.taskPartition >= 0 ? tasks[unit.taskPartition]?.shard : nil
            if owner == nil && batch.selectedCount > 0 {
                throw PlanError("received records of partition \(unit.taskPartition), which this worker does not own")
            }
            for (s, view) in unit.views.enumerated() {
                view.syncView(with: batch)
                if s == owner {
                    view.selection.update(from: batch.selection, count: batch.selectedCount)
                    view.selectedCount = batch.selectedCount
                } else {
                    view.selectedCount = 0
                }
            }
            unit.maxEventTime = .min
            return
        }
        unit.maxEventTime = router.route(batch, into: unit.views, rowWatermarks: unit.rowWatermarks)
    }

    private func runStage(_ plan: PhysicalPlan, _ index: Int, _ batch: Batch, shard: Int) throws {
        let stage = plan.stages[index]
        for (o, op) in stage.operators.enumerated() {
            let rowsIn = batch.selectedCount
            try op.process(batch, runner.deadLetters)
            observer?.operatorProcessed(operatorIndices[index].operators[o], rowsIn: rowsIn, rowsOut: batch.selectedCount)
            if batch.selectedCount == 0 { return }
        }
        if let terminal = stage.terminal {
            try processTerminal(terminal, stage: index, batch) { try runStage(plan, index + 1, $0, shard: shard) }
        } else {
            try write(batch, plan: plan, shard: shard)
        }
    }

    /// The keyed operators of stage 1 on a shard's rows (those after the routing point).
    private func runKeyedOperators(_ stage: PhysicalPlan.Stage, _ view: Batch) throws {
        for o in stage.shardStart..<stage.operators.count where view.selectedCount > 0 {
            let rowsIn = view.selectedCount
            try stage.operators[o].process(view, runner.deadLetters)
            observer?.operatorProcessed(operatorIndices[0].operators[o], rowsIn: rowsIn, rowsOut: view.selectedCount)
        }
    }

    /// A stage's window (or other terminal) on a batch; with an observer, counts what it emits.
    private func processTerminal(_ terminal: any StatefulOperator, stage: Int, _ batch: Batch, emit: (Batch) throws -> Void) throws {
        guard let observer, let index = operatorIndices[stage].terminal else {
            try terminal.process(batch, runner.deadLetters, emit: emit)
            return
        }
        let rowsIn = batch.selectedCount
        var emitted = 0
        try terminal.process(batch, runner.deadLetters) { out in
            emitted += out.selectedCount
            try emit(out)
        }
        observer.operatorProcessed(index, rowsIn: rowsIn, rowsOut: emitted)
    }

    /// Encodes on the shard's own sink when there is one per shard (only the byte writes are
    /// serialized, by the shared byte sink); else takes turns on the single sink.
    private func write(_ batch: Batch, plan: PhysicalPlan, shard: Int) throws {
        observer?.recordsWritten(batch.selectedCount, watermark: plan.firstWindowWatermark)
        if runner.sinks.count == 1 {
            try sinkLock.withLock { try runner.sinks[0].write(batch, slots: plan.outputSlots) }
        } else {
            try runner.sinks[shard].write(batch, slots: plan.outputSlots)
        }
    }
}

extension RecordDecoder {
    /// Rejects a record the block reader cut short because it exceeds ``maxRecordBytes``.
    func rejectOversized(_ data: UnsafeRawBufferPointer, line: Int64, offset: Int64, deadLetters: DeadLetters) throws {
        let reason = deadLetters.register(RejectionReason(.recordTooLong, rule: "max \(maxRecordBytes) bytes"))
        try deadLetters.reject(source: sourceName, record: line, offset: offset,
                               data: UnsafeRawBufferPointer(rebasing: data.prefix(1024)), reason: reason,
                               detail: "record longer than \(maxRecordBytes) bytes; skipped to the next line")
    }
}

extension ParallelRun: PartitionAssignmentHandler {
    /// Restores the saved state of newly assigned partitions into fresh plans (the shards are idle:
    /// every block handed out is processed first, so the table of partitions changes under no one).
    func partitionsAssigned(_ partitions: [Int]) throws -> [Int: Int64] {
        let started = monotonicSeconds()
        try drainAndFlush()
        guard let tasks = partitionTasks, let options = runner.partitionState else { return [:] }
        var positions: [Int: Int64] = [:]
        var bytes = 0
        var skipped: [String] = []
        for p in partitions where tasks[p] == nil {
            let plan = try runner.makePartitionPlan()
            let (state, passedOver) = try options.store.latest(partition: p)
            skipped += passedOver
            if let state {
                try state.checkMatches(pipeline: runner.spec.name, source: runner.source.name)
                try plan.restoreState(state.state)
                positions[p] = state.position
                bytes += state.state.count
            }
            // Under the save lock: a periodic save may still be reading the table.
            runner.checkpointLock.withLock {
                tasks.add(p, plan: plan, now: monotonicSeconds())
                runner.savedPositions[p] = positions[p]
            }
        }
        options.events?(.assigned(partitions: partitions, restored: positions, stateBytes: bytes, seconds: monotonicSeconds() - started, skipped: skipped))
        return positions
    }

    /// Finishes every block handed out, flushes the output, saves the revoked partitions' state.
    func partitionsRevoked(_ partitions: [Int], positions: [Int: Int64]) throws {
        let started = monotonicSeconds()
        try drainAndFlush()
        guard let tasks = partitionTasks, let options = runner.partitionState, let source = runner.source as? any CheckpointableSource else { return }
        var bytes = 0
        var fileBytes = 0
        let now = WindowClockSource.wallMilliseconds()
        // After any periodic save still being written (its barrier is processed, its files maybe not).
        try runner.checkpointLock.withLock {
            for p in partitions {
                guard let task = tasks.remove(p) else { continue }
                try task.plan.finishOperators()
                runner.savedPositions[p] = nil  // whoever owns it next may move it on
                guard let position = positions[p], position >= 0 else { continue }
                let saved = task.plan.savedPartitionState(p)
                fileBytes += try options.store.write(PartitionState(pipeline: runner.spec.name, source: source.name, partition: p, position: position,
                                                                    watermark: saved.watermark, createdAtMilliseconds: now, state: saved.state))
                bytes += saved.state.count
            }
        }
        options.events?(.revoked(partitions: partitions, stateBytes: bytes, fileBytes: fileBytes, seconds: monotonicSeconds() - started))
    }
}
