import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCommandCore
import SluiceKafka
import SluiceFiles

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline over a file or stdin, writing results to a file or stdout.",
        discussion: """
        Formats follow the file extension (.csv, .ndjson/.jsonl/.json) unless --format or \
        --output-format say otherwise. Rejected records (cleaning, decoding, late events) go to \
        the dead-letter file as NDJSON lines with their reason; a summary with counts per reason \
        is printed to stderr at the end.
        """)

    @OptionGroup var pipeline: PipelineSelection

    @OptionGroup(title: "Operations") var operations: OperationsOptions

    @Option(name: .shortAndLong, help: "Input file, - for stdin, or a Kafka topic: kafka://HOST:PORT[,HOST:PORT]/TOPIC[?group=G&start=earliest|latest&mode=assign|subscribe&commit_interval=S].")
    var input: String = "-"

    @Flag(help: "Kafka input: read up to the end offsets present at start, flush every window, commit and exit (backfills, tests). Without it a Kafka run goes on until SIGINT/SIGTERM.")
    var untilEnd = false

    @Option(help: "A librdkafka properties file (key=value lines) for Kafka inputs and outputs: TLS, SASL, any client setting. Secret values are never printed.")
    var kafkaConfig: String?

    @Option(name: .shortAndLong, help: "Output file, or - for stdout.")
    var output: String = "-"

    @Option(help: "Dead-letter file (NDJSON). Default: OUTPUT.dead-letter.ndjson, or dead-letter.ndjson when writing to stdout. 'none' only counts them.")
    var deadLetter: String?

    @Option(help: "Late-data output (NDJSON): records too late for their window (beyond the allowed lateness), with the window, watermark and how late. Default: they go to the dead-letter file.")
    var lateOutput: String?

    @Option(help: "Input format: csv or ndjson (default: from the input's extension).")
    var format: String?

    @Option(help: "Output format: csv or ndjson (default: from the output's extension, else the input format).")
    var outputFormat: String?

    @Flag(help: "CSV input has no header line: columns are the schema's fields in order.")
    var noHeader = false

    @Option(help: "Rows per micro-batch (default: the pipeline's, else 4096).")
    var batchSize: Int?

    @Option(help: "On a pipe: milliseconds a partly filled micro-batch may wait for more records (default: the pipeline's `linger`, else 0 = process at once).")
    var linger: Double?

    @Option(help: "Worker threads, each owning a shard of the keyed state (default: the number of cores). 1 with --prefetch 0 runs on the calling thread only.")
    var shards: Int = ParallelOptions.defaultShards

    @Option(help: "Input blocks read ahead of the workers (parallel runs).")
    var prefetch: Int = 4

    @Option(help: "Key groups: hash partitions of the key space, assigned to shards in ranges.")
    var keyGroups: Int = 128

    @Option(help: ArgumentHelp("Add this delay to every read of a micro-batch's input, to see what prefetching hides (benchmarks).", visibility: .hidden))
    var sourceDelayMs: Double = 0

    @Option(help: "Kafka input and output: keep checkpoints (window state + offsets, zstd, written atomically) in this directory and resume from the latest one on start.")
    var checkpointDir: String?

    @Option(help: "Seconds between checkpoints (with --checkpoint-dir).")
    var checkpointInterval: Double = 10

    @Option(help: "Exactly-once Kafka output (with --checkpoint-dir): the output between two checkpoints and the input offsets commit in one Kafka transaction with this transactional.id (one per pipeline instance).")
    var transactionalId: String?

    @Option(help: "Also write the run summary as JSON to this file.")
    var summaryJSON: String?

    @Flag(help: "Show a progress line (default: when stderr is a terminal).")
    var progress = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Collect no metrics while running (no per-operator counters, histograms or periodic summaries); what `sluice bench` compares against to measure their cost.")
    var noMetrics = false

    func validate() throws {
        if let format, RecordFormat(rawValue: format) == nil { throw ValidationError("--format must be csv or ndjson, not '\(format)'") }
        if let outputFormat, RecordFormat(rawValue: outputFormat) == nil { throw ValidationError("--output-format must be csv or ndjson, not '\(outputFormat)'") }
        if shards < 1 || shards > 64 { throw ValidationError("--shards must be between 1 and 64") }
        if prefetch < 0 { throw ValidationError("--prefetch must not be negative") }
        if keyGroups < shards { throw ValidationError("--key-groups must be at least --shards") }
        if noMetrics && operations.metricsPort != nil { throw ValidationError("--no-metrics and --metrics-port exclude each other") }
        if !(checkpointInterval > 0) { throw ValidationError("--checkpoint-interval must be a positive number of seconds") }
        if transactionalId != nil && checkpointDir == nil {
            throw ValidationError("--transactional-id needs --checkpoint-dir: each checkpoint commits one transaction")
        }
        if checkpointDir != nil && !(input.hasPrefix("kafka://") && output.hasPrefix("kafka://")) {
            throw ValidationError("--checkpoint-dir needs a kafka:// input (to resume from offsets) and a kafka:// output (a file output is rewritten by every run)")
        }
    }

    func run() throws {
        let spec = try pipeline.resolve()
        let stop = StopSignal()
        // Logging first (swift-log is set up once per process), then metrics and the HTTP endpoints.
        let ops = try Operations(operations, verb: "run", name: spec.name, health: { stop.isRequested ? (false, "stopping") : (true, "ok") })
        ops.board.set("input", input.hasPrefix("kafka://") ? (try? KafkaEndpoint(parsing: input).description) ?? input : input)
        ops.board.set("output", output)
        if input.hasPrefix("kafka://") || output.hasPrefix("kafka://") {
            try runWithKafka(spec, ops: ops, stop: stop)
            return
        }
        let inputFormat = try format.flatMap(RecordFormat.init(rawValue:)) ?? RecordFormat.infer(fromPath: input)
            ?? { throw ValidationError("cannot tell the format of '\(input)': pass --format csv or --format ndjson") }()
        let outFormat = outputFormat.flatMap(RecordFormat.init(rawValue:)) ?? RecordFormat.infer(fromPath: output) ?? inputFormat

        let deadLetterPath: String? = {
            if let deadLetter { return deadLetter == "none" ? nil : deadLetter }
            return output == "-" ? "dead-letter.ndjson" : output + ".dead-letter.ndjson"
        }()
        let deadLetterSink = try deadLetterPath.map { try FileByteSink(path: $0) }
        let lateSink = try lateOutput.map { try FileByteSink(path: $0) }
        let deadLetters = DeadLetters(sink: deadLetterSink, lateSink: lateSink)

        let outputFile = try FileByteSink(path: output)
        // SIGINT/SIGTERM: stop reading, close every window, flush the output, exit 0; a second one exits at once.
        let signals = blockTerminationSignals()
        let waiter = GracefulStop(stop, logger: ops.logger, timeoutSeconds: operations.shutdownTimeout)
        Thread { waiter.wait(signals) }.start()

        // A progress line on a terminal; elsewhere (or with JSON logs) periodic one-line summaries.
        let showProgress = !quiet && (progress || isatty(2) != 0) && operations.format == .text
        let display = ProgressDisplay()
        let report: ((RunProgress) -> Void)? = showProgress ? { display.update($0) } : nil
        var summary: RunSummary
        do {
            // The single-threaded runner reports nothing as it goes: metrics and summaries need the parallel one.
            if shards == 1 && prefetch == 0 && (noMetrics || (operations.metricsPort == nil && !ops.logsSummaries)) {
                // Everything on this thread: read, decode, process, write.
                let plan: PhysicalPlan
                do {
                    plan = try PlanCompiler.compile(spec, deadLetters: deadLetters, batchSize: batchSize, resources: pipeline.planResources)
                } catch {
                    throw RuntimeError("pipeline '\(spec.name)': \(error.message)")
                }
                let fileSource = try FileSource(path: input, decoder: inputFormat.makeDecoder(csvHeader: !noHeader))
                fileSource.linger = lingerSeconds(spec)
                var source: any RecordSource = fileSource
                if sourceDelayMs > 0 { source = DelayedRecordSource(source, milliseconds: sourceDelayMs) }
                source = StoppableRecordSource(source, stop: stop)
                let sink = outFormat.makeEncoder(sink: outputFile)
                summary = try PipelineRunner(plan: plan, source: source, sink: sink, deadLetters: deadLetters).run(progress: report)
            } else {
                let blockSource = try FileBlockSource(path: input, format: inputFormat, hasHeader: !noHeader)
                blockSource.linger = lingerSeconds(spec)
                var source: any BlockSource = blockSource
                if sourceDelayMs > 0 { source = DelayedBlockSource(source, milliseconds: sourceDelayMs) }
                source = StoppableBlockSource(source, stop: stop)
                // Each shard encodes its own output; the file sees whole lines from one shard at a time.
                let shared = LockedByteSink(outputFile)
                let sinks = (0..<shards).map { i in
                    outFormat.makeEncoder(sink: shared, csvHeader: i == 0, wholeRecords: true, ownsSink: false)
                }
                let runner: ParallelRunner
                do {
                    runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: shards, prefetch: prefetch, keyGroups: keyGroups),
                                                source: source, sinks: sinks, deadLetters: deadLetters, batchSize: batchSize,
                                                resources: pipeline.planResources)
                } catch {
                    throw RuntimeError("pipeline '\(spec.name)': \(error.message)")
                }
                if !noMetrics {
                    runner.observer = ops.metrics
                    ops.startSampling(deadLetters: deadLetters, quiet: quiet)
                }
                summary = try runner.run(progress: report)
            }
        } catch let error as InputError {
            display.clear()
            throw RuntimeError(error.message)
        }
        display.clear()
        ops.stop()
        try outputFile.close()
        try deadLetterSink?.close()
        try lateSink?.close()

        try finishRun(summary, deadLetters: deadLetters, deadLetterPath: deadLetterPath, stopped: stop.isRequested,
                   details: output == "-" ? [] : ["output: \(output)"], ops: ops)
    }

    /// The end of every run: the summary on stderr (unless `--quiet`), where the rejected and late
    /// records went, whether a signal ended the run, then `details`; and `--summary-json`.
    func finishRun(_ summary: RunSummary, deadLetters: DeadLetters, deadLetterPath: String?, stopped: Bool, details: [String],
                   windowsKeptOpen: Bool = false, ops: Operations) throws {
        if !quiet && operations.format == .json {
            // One object, like every other line of a JSON log.
            var metadata: Logger.Metadata = ["event": "run_finished", "pipeline": .string(summary.pipeline), "records_in": "\(summary.recordsIn)",
                                             "records_out": "\(summary.recordsOut)", "dead_lettered": "\(summary.deadLettered)",
                                             "seconds": .string(fixed(summary.seconds, 3)), "windows": "\(summary.windowsEmitted)",
                                             "peak_rss_bytes": "\(summary.peakRSSBytes)", "stopped_by_signal": .string(stopped ? "true" : "false")]
            for reason in summary.deadLetterReasons { metadata["dead_lettered_\(reason.reason)"] = "\(reason.count)" }
            if !details.isEmpty { metadata["details"] = .array(details.map { .string($0) }) }
            ops.logger.info("pipeline \(summary.pipeline): \(summary.recordsIn) records in, \(summary.recordsOut) out, \(summary.deadLettered) dead-lettered", metadata: metadata)
        } else if !quiet {
            var lines = [summary.render()]
            if summary.deadLettered > 0 { lines.append("  dead letters: " + (deadLetterPath ?? "not kept (--dead-letter none)")) }
            if let lateOutput, deadLetters.count(of: .lateEvent) > 0 { lines.append("  late data: \(lateOutput)") }
            if stopped && windowsKeptOpen {
                lines.append("  stopped by a signal: the output was flushed; open windows are in the final checkpoint and continue on the next start")
            } else if stopped {
                lines.append("  stopped by a signal: the input was read up to that point, every window closed and the output flushed")
            }
            lines += details.map { "  " + $0 }
            printError(lines.joined(separator: "\n"))
        }
        if let summaryJSON {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(summary).write(to: URL(fileURLWithPath: summaryJSON))
        }
    }
}

extension RunCommand {
    /// The micro-batch linger in seconds: the flag, else the spec's.
    func lingerSeconds(_ spec: PipelineSpec) -> Double {
        if let linger { return max(0, linger) / 1000 }
        return Double(spec.linger?.milliseconds ?? 0) / 1000
    }
}


/// A one-line progress display on stderr: records, percent of input, rate, ETA.
final class ProgressDisplay {
    private var shown = false

    func update(_ p: RunProgress) {
        var line: String
        if p.recordsIn >= 0 {
            line = "\r  \(formatCount(p.recordsIn)) records"
            let rate = p.seconds > 0 ? Double(p.recordsIn) / p.seconds : 0
            line += ", \(formatRate(rate)) records/s"
        } else {
            let mb = Double(p.bytesIn) / 1_048_576
            line = "\r  \(fixed(mb, 0)) MiB read, \(fixed(p.seconds > 0 ? mb / p.seconds : 0, 0)) MiB/s"
        }
        if let total = p.totalBytes, total > 0 {
            let fraction = min(1, Double(p.bytesIn) / Double(total))
            let filled = Int((fraction * 20).rounded(.down))
            line = "\r  [" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "]" + line.dropFirst(1)
            line += ", \(Int(fraction * 100))% read"
            if fraction > 0.01 {
                let eta = p.seconds / fraction - p.seconds
                line += ", ETA \(Int(eta.rounded()))s"
            }
        }
        line += "    "
        printRaw(line)
        shown = true
    }

    func clear() {
        if shown { printRaw("\r" + String(repeating: " ", count: 78) + "\r") }
        shown = false
    }

    private func printRaw(_ s: String) {
        var s = s
        s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

func formatCount(_ n: Int64) -> String {
    if n >= 1_000_000 { return fixed(Double(n) / 1_000_000, 1) + " M" }
    if n >= 10_000 { return fixed(Double(n) / 1000, 0) + " k" }
    return String(n)
}
