#if canImport(Glibc)
import Glibc
#endif

/// Progress of a run, reported a few times a second.
public struct RunProgress: Sendable {
    public var recordsIn: Int64
    public var bytesIn: Int64
    public var totalBytes: Int64?
    public var seconds: Double
}

/// Runs a physical plan from a source to a sink on the calling thread:
/// decode a micro-batch, push it through every fused stage, repeat; at end of
/// input, flush every window. Memory is fixed by the batch size and the
/// operator state, never by the input size.
public final class PipelineRunner {
    public let plan: PhysicalPlan
    public let source: any RecordSource
    public let sink: any RecordSink
    public let deadLetters: DeadLetters
    /// How often `progress` is called, in seconds.
    public var progressInterval = 0.5

    public init(plan: PhysicalPlan, source: any RecordSource, sink: any RecordSink, deadLetters: DeadLetters) {
        self.plan = plan
        self.source = source
        self.sink = sink
        self.deadLetters = deadLetters
    }

    public func run(progress: ((RunProgress) -> Void)? = nil) throws -> RunSummary {
        let start = monotonicSeconds()
        try source.open(schema: plan.inputSchema)
        try sink.open(schema: plan.outputSchema)
        let batch = plan.makeInputBatch()
        var nextReport = start + progressInterval
        var batches = 0
        while true {
            batch.reset()
            if plan.replaceFullDictionaries() { plan.attachDictionaries(to: batch) }
            guard try source.next(into: batch, deadLetters: deadLetters) else { break }
            batch.selectAll()
            try runStage(0, batch)
            batches += 1
            if let progress, batches & 15 == 0 {
                let now = monotonicSeconds()
                if now >= nextReport {
                    nextReport = now + progressInterval
                    progress(RunProgress(recordsIn: source.recordsRead, bytesIn: source.bytesRead, totalBytes: source.totalBytes, seconds: now - start))
                }
            }
        }
        for (i, stage) in plan.stages.enumerated() {
            try stage.terminal?.finish(deadLetters) { try runStage(i + 1, $0) }
        }
        try plan.finishOperators()
        try sink.close()
        try deadLetters.flush()
        let seconds = monotonicSeconds() - start
        let windows = plan.stages.compactMap { $0.terminal as? any WindowOperator }.reduce(0) { $0 + $1.windowsEmitted }
        var summary = RunSummary(
            pipeline: plan.spec.name,
            recordsIn: source.recordsRead,
            recordsOut: sink.recordsWritten,
            deadLettered: deadLetters.total,
            deadLetterReasons: deadLetters.counts.map { .init(reason: $0.reason.code.rawValue, rule: $0.reason.rule, count: $0.count) },
            bytesIn: source.bytesRead,
            seconds: seconds,
            windowsEmitted: windows,
            stateBytes: plan.stateBytes,
            peakRSSBytes: peakResidentBytes()
        )
        let enrichments = plan.enrichStatistics
        summary.enrichments = enrichments.isEmpty ? nil : enrichments
        return summary
    }

    private func runStage(_ index: Int, _ batch: Batch) throws {
        let stage = plan.stages[index]
        for op in stage.operators {
            try op.process(batch, deadLetters)
            if batch.selectedCount == 0 { return }
        }
        if let terminal = stage.terminal {
            try terminal.process(batch, deadLetters) { try runStage(index + 1, $0) }
        } else {
            try sink.write(batch, slots: plan.outputSlots)
        }
    }
}

/// Seconds on a monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
