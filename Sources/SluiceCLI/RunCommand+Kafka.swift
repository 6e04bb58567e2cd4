import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCommandCore
import SluiceFiles
import SluiceKafka
import SluiceOps

extension RunCommand {
    /// A run with a Kafka input and/or output: parallel runtime, Kafka block source (or file blocks),
    /// Kafka sinks (one producer per shard) or a file sink; offsets committed after the output is flushed.
    func runWithKafka(_ spec: PipelineSpec, ops: Operations, stop: StopSignal) throws {
        let log = ops.logger
        // librdkafka threads must not receive SIGINT/SIGTERM: block them before any handle exists.
        let signals = blockTerminationSignals()
        // SIGINT/SIGTERM: stop reading, close every window, flush, commit, exit 0; a second one exits at once.
        let waiter = GracefulStop(stop, logger: log, timeoutSeconds: operations.shutdownTimeout)
        Thread { waiter.wait(signals) }.start()

        let settings = try KafkaProperties.load(kafkaConfig)
        let kafkaIn = try input.hasPrefix("kafka://") ? KafkaEndpoint(parsing: input) : nil
        let kafkaOut = try output.hasPrefix("kafka://") ? KafkaEndpoint(parsing: output) : nil
        guard let inputFormat = try format.flatMap(RecordFormat.init(rawValue:)) ?? (kafkaIn == nil ? RecordFormat.infer(fromPath: input) : nil) else {
            throw ValidationError("Kafka message values can be CSV (no header) or NDJSON: pass --format csv or --format ndjson")
        }
        let outFormat = outputFormat.flatMap(RecordFormat.init(rawValue:)) ?? (kafkaOut == nil ? RecordFormat.infer(fromPath: output) : nil) ?? inputFormat
        if untilEnd && kafkaIn == nil { throw ValidationError("--until-end applies to a kafka:// input") }

        let deadLetterPath: String? = {
            if let deadLetter { return deadLetter == "none" ? nil : deadLetter }
            return output == "-" || kafkaOut != nil ? "dead-letter.ndjson" : output + ".dead-letter.ndjson"
        }()
        // A run that resumes from checkpoints appends to its dead-letter and late files, so the
        // records earlier runs rejected stay there.
        let openSide: (String) throws -> FileByteSink = { checkpointDir == nil ? try FileByteSink(path: $0) : try FileByteSink(appendingTo: $0) }
        let deadLetterSink = try deadLetterPath.map(openSide)
        let lateSink = try lateOutput.map(openSide)
        let deadLetters = DeadLetters(sink: deadLetterSink, lateSink: lateSink)

        var kafkaSource: KafkaBlockSource?
        var source: any BlockSource
        if let kafkaIn {
            let s = try KafkaBlockSource(kafkaIn, format: inputFormat, untilEnd: untilEnd, settings: settings, stop: stop)
            kafkaSource = s
            source = s
            if !quiet { s.rebalanceLog = { log.info("\($0)", metadata: ["event": "rebalance"]) } }
        } else {
            source = StoppableBlockSource(try FileBlockSource(path: input, format: inputFormat, hasHeader: !noHeader), stop: stop)
        }

        // Window results are keyed by the last window's key fields and start, so consumers can upsert.
        var keyFields: [String] = []
        for step in spec.steps { if case .window(let w) = step { keyFields = w.by + ["window_start"] } }
        let outputFile = kafkaOut == nil ? try FileByteSink(path: output) : nil
        let sinks: [any RecordSink]
        var transactionalSink: KafkaRecordSink?
        if let kafkaOut, let transactionalId {
            // One transactional producer for all shards (they take turns): one transaction per checkpoint.
            let sink = try KafkaRecordSink(bootstrapServers: kafkaOut.bootstrapServers, topic: kafkaOut.topic, format: outFormat, keyFields: keyFields,
                                           settings: settings, transactionalID: transactionalId)
            transactionalSink = sink
            sinks = [sink]
        } else if let kafkaOut {
            sinks = try (0..<shards).map { _ in
                try KafkaRecordSink(bootstrapServers: kafkaOut.bootstrapServers, topic: kafkaOut.topic, format: outFormat, keyFields: keyFields, settings: settings)
            }
        } else {
            let shared = LockedByteSink(outputFile!)
            sinks = (0..<shards).map { i in outFormat.makeEncoder(sink: shared, csvHeader: i == 0, wholeRecords: true, ownsSink: false) }
        }
        if !quiet, !settings.isEmpty { log.info("kafka settings: \(KafkaSecrets.redacted(settings))", metadata: ["event": "kafka_settings"]) }
        let subscribes = kafkaIn?.subscribe == true
        if subscribes && transactionalId != nil { throw RuntimeError("--transactional-id cannot be combined with mode=subscribe yet") }

        let runner: ParallelRunner
        do {
            runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: shards, prefetch: prefetch, keyGroups: keyGroups),
                                        source: source, sinks: sinks, deadLetters: deadLetters, batchSize: batchSize,
                                        resources: pipeline.planResources)
        } catch {
            throw RuntimeError("pipeline '\(spec.name)': \(error.message)")
        }
        let stateful = runner.plans[0].statefulOperatorNames
        var statusReporter: WorkerStatusReporter?
        if subscribes, stateful.isEmpty, checkpointDir != nil {
            throw RuntimeError("pipeline '\(spec.name)' keeps no state, so a mode=subscribe worker needs no --checkpoint-dir: its progress is the group's committed offsets")
        }
        if subscribes && !stateful.isEmpty {
            // Consumer-group worker: state per input partition, in a directory all workers share.
            guard let checkpointDir else {
                throw RuntimeError("mode=subscribe shares the topic with other workers, and this pipeline keeps per-key state (\(stateful.joined(separator: "; "))) that must move with the partitions: give every worker the same --checkpoint-dir (a shared directory; across machines a shared mount)")
            }
            let reporter = try WorkerStatusReporter(checkpointDir: checkpointDir, pipeline: spec.name, input: kafkaIn!.description, shards: shards, intervalSeconds: checkpointInterval,
                                                    log: quiet ? nil : { log.info("\($0)", metadata: ["event": "partitions"]) })
            statusReporter = reporter
            do {
                runner.partitionState = PartitionStateOptions(store: try PartitionStateStore(directory: checkpointDir), intervalSeconds: checkpointInterval,
                                                              events: { event in
                                                                  reporter.handle(event)
                                                                  if case .saved(let report) = event {
                                                                      ops.metrics.checkpointed(seconds: report.seconds, fileBytes: report.fileBytes, stateBytes: report.stateBytes)
                                                                  }
                                                              })
            } catch {
                throw RuntimeError("\(error)")
            }
            if !quiet { log.info("worker \(reporter.member): per-partition state in \(checkpointDir), saved every \(checkpointInterval) s and on every revocation",
                                 metadata: ["event": "worker_started", "member": .string(reporter.member)]) }
        } else if let checkpointDir {
            let quiet = self.quiet
            runner.checkpointing = CheckpointOptions(store: try CheckpointStore(directory: checkpointDir), intervalSeconds: checkpointInterval, completed: { report in
                ops.metrics.checkpointed(seconds: report.seconds, fileBytes: report.fileBytes, stateBytes: report.stateBytes)
                if !quiet {
                    log.info("checkpoint \(report.id): \(report.stateBytes) bytes of state, \(report.fileBytes) on disk, \(String(format: "%.1f", report.seconds * 1000)) ms, offsets up to \(report.positions.reduce(0, +))",
                             metadata: ["event": "checkpoint", "id": "\(report.id)", "state_bytes": "\(report.stateBytes)", "file_bytes": "\(report.fileBytes)",
                                        "milliseconds": .string(String(format: "%.1f", report.seconds * 1000))])
                }
            }, restored: { checkpoint in
                if !quiet {
                    let age = Double(Int64(Date().timeIntervalSince1970 * 1000) - checkpoint.createdAtMilliseconds) / 1000
                    log.info("resuming from checkpoint \(checkpoint.id) in \(checkpointDir) (\(String(format: "%.1f", age)) s old, \(checkpoint.stateBytes) bytes of state, offsets up to \(checkpoint.positions.reduce(0, +)))",
                             metadata: ["event": "checkpoint_restored", "id": "\(checkpoint.id)", "state_bytes": "\(checkpoint.stateBytes)"])
                }
            })
            if let transactionalSink, let kafkaSource {
                kafkaSource.commitsOffsets = false
                runner.checkpointing?.transactional = TransactionalOutput(commit: { checkpoint, last in
                    try transactionalSink.commitTransaction(positions: checkpoint.positions, of: kafkaSource, last: last)
                }, isCommitted: { checkpoint in
                    try kafkaSource.committedOffsets() == checkpoint.positions
                })
            }
            runner.checkpointing?.skippedFiles = { problems in
                for problem in problems { log.warning("passed over a checkpoint: \(problem)", metadata: ["event": "checkpoint_skipped"]) }
            }
        }
        if !noMetrics { runner.observer = ops.metrics }
        var lag: (@Sendable () -> Int64?)?
        if let kafkaSource {
            let probe = ConsumerLagProbe(source: kafkaSource)
            lag = { probe.lag }
        }
        var partitions: (@Sendable () -> [StatusBoard.Partition])?
        if let statusReporter { partitions = { statusReporter.partitions } }
        if !noMetrics { ops.startSampling(deadLetters: deadLetters, consumerLag: lag, partitions: partitions, quiet: quiet) }
        let summary: RunSummary
        do {
            defer { ops.stop() }
            summary = try runner.run()  // closes the sinks: every Kafka delivery is acknowledged, or this throws
        } catch let error as CheckpointError {
            throw RuntimeError("\(error)")
        }
        statusReporter?.stopped()
        try outputFile?.close()
        try deadLetterSink?.close()
        try lateSink?.close()
        // At-least-once: offsets are committed only now, after the output they produced is durable.
        if transactionalSink == nil { try kafkaSource?.commit() }  // transactional: committed inside the last transaction

        var details: [String] = []
        if let restored = runner.restoredCheckpoint {
            details.append("resumed from checkpoint \(restored.id) (\(restored.stateBytes) bytes of state, offsets up to \(restored.positions.reduce(0, +)))")
        }
        for skipped in runner.skippedCheckpoints { details.append("passed over a checkpoint: \(skipped)") }
        if let last = runner.partitionSaves.last {
            details.append("partition state: \(runner.partitionSaves.count) saves to \(checkpointDir!), the last holds \(last.partitions.count) partitions, \(last.stateBytes) bytes")
        }
        if let last = runner.checkpoints.last {
            details.append("checkpoints: \(runner.checkpoints.count) written to \(checkpointDir!), the last (\(last.id)) holds \(last.stateBytes) bytes of state in \(last.fileBytes) bytes on disk")
        }
        if let kafkaSource {
            let positions = kafkaSource.positions
            details.append("input: \(kafkaIn!) (\(untilEnd ? "up to the end offsets at start" : "until stopped")); committed offsets of \(positions.count) partitions (up to \(positions.reduce(Int64(0)) { $0 + $1.offset }) records)")
        }
        details.append("output: \(kafkaOut.map(\.description) ?? output)")
        if let transactionalSink {
            details.append("exactly-once output: \(transactionalSink.transactionsCommitted) transactions committed (consumers read it with isolation.level=read_committed)")
        }
        try finishRun(summary, deadLetters: deadLetters, deadLetterPath: deadLetterPath, stopped: stop.isRequested, details: details,
                      windowsKeptOpen: checkpointDir != nil, ops: ops)
    }
}

/// Hands the Kafka source to the metrics sampler thread for one thing: its consumer lag.
struct ConsumerLagProbe: @unchecked Sendable {
    // Safe: the sampler reads only `consumerLag`, which the source guards with its own lock.
    let source: KafkaBlockSource
    var lag: Int64? { source.consumerLag }
}
