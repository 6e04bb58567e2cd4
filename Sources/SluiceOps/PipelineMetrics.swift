import Metrics
import Sluice

#if canImport(Glibc)
import Glibc
#endif

/// A run's metrics through swift-metrics (Prometheus names, `sluice_` prefix): what the runtime
/// reports as it happens (``RunObserver``) plus what a sampler reads once a second (dead letters,
/// consumer lag, watermark lag). Every metric carries the pipeline's name as `pipeline`.
public final class PipelineMetrics: RunObserver, @unchecked Sendable {
    // Safe: swift-metrics handles are thread-safe; `operatorRows` is written once in `start`, before
    // the run's threads exist (the runtime calls it first), then only read; the rest is under `lock`.
    public let pipeline: String
    private let dimensions: [(String, String)]
    let recordsIn: Counter
    let bytesIn: Counter
    let recordsOut: Counter
    let microBatch: Metrics.Timer
    let emitDelay: Metrics.Timer
    let watermarkSeconds: Gauge
    let watermarkLagSeconds: Gauge
    /// Kafka: records behind the end of the partitions read.
    public let consumerLag: Gauge
    let checkpointSeconds: Metrics.Timer
    let checkpointBytes: Gauge
    let stateBytes: Gauge
    let up: Gauge
    private var operatorRows: [(in: Counter, out: Counter)] = []
    private var deadLettered: [String: (counter: Counter, reported: Int)] = [:]
    private let lock = Monitor()
    /// The latest watermark any shard emitted at (epoch ms).
    private var latestWatermark = Int64.min
    /// Totals for the status page (the counters themselves cannot be read back).
    private var totals = (recordsIn: Int64(0), recordsOut: Int64(0), deadLettered: Int64(0))

    public init(pipeline: String) {
        self.pipeline = pipeline
        dimensions = [("pipeline", pipeline)]
        recordsIn = Counter(label: "sluice_records_in_total", dimensions: dimensions)
        bytesIn = Counter(label: "sluice_bytes_in_total", dimensions: dimensions)
        recordsOut = Counter(label: "sluice_records_out_total", dimensions: dimensions)
        microBatch = Metrics.Timer(label: "sluice_micro_batch_seconds", dimensions: dimensions)
        emitDelay = Metrics.Timer(label: "sluice_emit_delay_seconds", dimensions: dimensions)
        watermarkSeconds = Gauge(label: "sluice_watermark_seconds", dimensions: dimensions)
        watermarkLagSeconds = Gauge(label: "sluice_watermark_lag_seconds", dimensions: dimensions)
        consumerLag = Gauge(label: "sluice_consumer_lag_records", dimensions: dimensions)
        checkpointSeconds = Metrics.Timer(label: "sluice_checkpoint_seconds", dimensions: dimensions)
        checkpointBytes = Gauge(label: "sluice_checkpoint_bytes", dimensions: dimensions)
        stateBytes = Gauge(label: "sluice_state_bytes", dimensions: dimensions)
        up = Gauge(label: "sluice_up", dimensions: dimensions)
        up.record(1)
    }

    // MARK: RunObserver (the runtime's threads)

    public func start(operators names: [String]) {
        operatorRows = names.map { name in
            let d = dimensions + [("operator", Self.labelValue(name))]
            return (Counter(label: "sluice_operator_rows_in_total", dimensions: d), Counter(label: "sluice_operator_rows_out_total", dimensions: d))
        }
    }

    public func recordsRead(_ records: Int, bytes: Int) {
        recordsIn.increment(by: records)
        bytesIn.increment(by: bytes)
        lock.withLock { totals.recordsIn += Int64(records) }
    }

    public func operatorProcessed(_ index: Int, rowsIn: Int, rowsOut: Int) {
        guard index < operatorRows.count else { return }
        operatorRows[index].in.increment(by: rowsIn)
        operatorRows[index].out.increment(by: rowsOut)
    }

    public func recordsWritten(_ rows: Int, watermark: Int64) {
        recordsOut.increment(by: rows)
        if watermark != .min {
            // How long after its event time a result comes out (for live data: end-to-end latency).
            let delay = Self.wallMilliseconds() - watermark
            if delay >= 0 { emitDelay.recordNanoseconds(delay * 1_000_000) }
        }
        lock.withLock {
            totals.recordsOut += Int64(rows)
            if watermark > latestWatermark { latestWatermark = watermark }
        }
    }

    public func microBatchCompleted(seconds: Double) {
        microBatch.recordNanoseconds(Int64(seconds * 1e9))
    }

    // MARK: Sampled (once a second, and at checkpoints)

    /// Dead letters by reason and rule (late records: reason `late_event`), from the run's running
    /// counts; the rule names the operator that rejected them (`require(temp)`, `window tumbling(10s) by …`).
    public func sample(deadLetters counts: [(reason: String, rule: String, count: Int)]) {
        lock.withLock {
            var total: Int64 = 0
            for (reason, rule, count) in counts {
                total += Int64(count)
                let key = reason + "\u{0}" + rule
                var entry = deadLettered[key]
                    ?? (Counter(label: "sluice_dead_lettered_total", dimensions: dimensions + [("reason", reason), ("rule", Self.labelValue(rule))]), 0)
                if count > entry.reported {
                    entry.counter.increment(by: count - entry.reported)
                    entry.reported = count
                }
                deadLettered[key] = entry
            }
            totals.deadLettered = total
        }
    }

    /// Watermark position and lag behind the wall clock (event time is epoch milliseconds).
    public func sampleWatermark() -> Int64 {
        let w = lock.withLock { latestWatermark }
        if w != .min {
            watermarkSeconds.record(Double(w) / 1000)
            watermarkLagSeconds.record(Double(Self.wallMilliseconds() - w) / 1000)
        }
        return w
    }

    public func checkpointed(seconds: Double, fileBytes: Int, stateBytes state: Int) {
        checkpointSeconds.recordNanoseconds(Int64(seconds * 1e9))
        checkpointBytes.record(fileBytes)
        stateBytes.record(state)
    }

    /// Records read and written and dead-lettered so far.
    public var counts: (recordsIn: Int64, recordsOut: Int64, deadLettered: Int64) { lock.withLock { totals } }

    static func wallMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Operator descriptions as label values: one line, no quotes or backslashes, at most 120 characters.
    static func labelValue(_ s: String) -> String {
        String(s.map { $0 == "\"" || $0 == "\\" ? "'" : ($0.isNewline ? " " : $0) }.prefix(120))
    }
}

/// `sluice train`'s metrics: the model's prequential accuracy, drifts, promotions, the serving version.
public final class TrainingMetrics: Sendable {
    let accuracy: Gauge
    let windowAccuracy: Gauge
    let drifts: Counter
    let promotions: Counter
    let version: Gauge

    public init(model: String) {
        let d = [("model", model)]
        accuracy = Gauge(label: "sluice_model_accuracy", dimensions: d)
        windowAccuracy = Gauge(label: "sluice_model_recent_accuracy", dimensions: d)
        drifts = Counter(label: "sluice_drifts_total", dimensions: d)
        promotions = Counter(label: "sluice_promotions_total", dimensions: d)
        version = Gauge(label: "sluice_model_version", dimensions: d)
    }

    public func accuracy(overall: Double, recent: Double) {
        accuracy.record(overall)
        windowAccuracy.record(recent)
    }

    public func drifted() { drifts.increment() }

    public func promoted(to v: Int) {
        promotions.increment()
        version.record(v)
    }

    public func serving(_ v: Int) { version.record(v) }
}

/// `sluice edge`'s metrics: the spool, the upstream, and the bytes before and after pre-aggregation.
public final class EdgeMetrics: Sendable {
    let spoolBytes: Gauge
    let spoolPending: Gauge
    let spoolOldestAge: Gauge
    let spoolDropped: Gauge
    let spoolQuarantined: Gauge
    let upstreamUp: Gauge
    let delivered: Gauge
    let inputBytes: Gauge
    let outputBytes: Gauge
    let sentBytes: Gauge
    let ingestRecords: Gauge
    let ingestRequests: [Int: Gauge]

    /// - Parameter ingestStatuses: the HTTP statuses an ingest endpoint counts (one gauge each).
    public init(pipeline: String, ingestStatuses: [Int] = []) {
        let d = [("pipeline", pipeline)]
        spoolBytes = Gauge(label: "sluice_spool_bytes", dimensions: d)
        spoolPending = Gauge(label: "sluice_spool_pending_records", dimensions: d)
        spoolOldestAge = Gauge(label: "sluice_spool_oldest_age_seconds", dimensions: d)
        spoolDropped = Gauge(label: "sluice_spool_dropped_records", dimensions: d)
        spoolQuarantined = Gauge(label: "sluice_spool_quarantined_segments", dimensions: d)
        upstreamUp = Gauge(label: "sluice_upstream_up", dimensions: d)
        delivered = Gauge(label: "sluice_upstream_delivered_records", dimensions: d)
        inputBytes = Gauge(label: "sluice_edge_input_bytes", dimensions: d)
        outputBytes = Gauge(label: "sluice_edge_output_bytes", dimensions: d)
        sentBytes = Gauge(label: "sluice_upstream_sent_bytes", dimensions: d)
        ingestRecords = Gauge(label: "sluice_ingest_records", dimensions: d)
        ingestRequests = Dictionary(uniqueKeysWithValues: ingestStatuses.map {
            ($0, Gauge(label: "sluice_ingest_requests", dimensions: d + [("status", "\($0)")]))
        })
    }

    /// Once a second: `outputBytes` are the pre-aggregated results written to the spool (before
    /// compression), `sentBytes` what went upstream (after it, when the upstream tells); `ingest`:
    /// HTTP requests answered by status, and records taken.
    public func sample(spool: SpoolStats, upstreamUp up: Bool, delivered records: Int64, inputBytes input: Int64, outputBytes output: Int64,
                       sentBytes sent: Int64? = nil, ingest: (requests: [Int: Int64], records: Int64)? = nil) {
        spoolBytes.record(spool.bytes)
        spoolPending.record(spool.pendingRecords)
        let age = spool.oldestPendingMilliseconds.map { Double(PipelineMetrics.wallMilliseconds() - $0) / 1000 } ?? 0
        spoolOldestAge.record(max(0, age))
        spoolDropped.record(spool.dropped)
        spoolQuarantined.record(spool.quarantinedSegments)
        upstreamUp.record(up ? 1 : 0)
        delivered.record(records)
        inputBytes.record(input)
        outputBytes.record(output)
        if let sent { sentBytes.record(sent) }
        if let ingest {
            ingestRecords.record(ingest.records)
            for (status, n) in ingest.requests { ingestRequests[status]?.record(n) }
        }
    }
}
