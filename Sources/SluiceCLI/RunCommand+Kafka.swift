import ArgumentParser
import Foundation
import Sluice
import SluiceFiles
import SluiceKafka

extension RunCommand {
    /// A run with a Kafka input and/or output: parallel runtime, Kafka block source (or file blocks),
    /// Kafka sinks (one producer per shard) or a file sink; offsets committed after the output is flushed.
    func runWithKafka(_ spec: PipelineSpec) throws {
        // librdkafka threads must not receive SIGINT/SIGTERM: block them before any handle exists.
        let signals = blockTerminationSignals()
        // SIGINT/SIGTERM: stop reading, close every window, flush, commit, exit 0; a second one exits at once.
        let stop = StopSignal()
        let waiter = GracefulStop(stop)
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
        let deadLetterSink = try deadLetterPath.map { try FileByteSink(path: $0) }
        let lateSink = try lateOutput.map { try FileByteSink(path: $0) }
        let deadLetters = DeadLetters(sink: deadLetterSink, lateSink: lateSink)

        var kafkaSource: KafkaBlockSource?
        var source: any BlockSource
        if let kafkaIn {
            let s = try KafkaBlockSource(kafkaIn, format: inputFormat, untilEnd: untilEnd, settings: settings, stop: stop)
            kafkaSource = s
            source = s
        } else {
            source = StoppableBlockSource(try FileBlockSource(path: input, format: inputFormat, hasHeader: !noHeader), stop: stop)
        }

        // Window results are keyed by the last window's key fields and start, so consumers can upsert.
        var keyFields: [String] = []
        for step in spec.steps { if case .window(let w) = step { keyFields = w.by + ["window_start"] } }
        let outputFile = kafkaOut == nil ? try FileByteSink(path: output) : nil
        let sinks: [any RecordSink]
        if let kafkaOut {
            sinks = try (0..<shards).map { _ in
                try KafkaRecordSink(bootstrapServers: kafkaOut.bootstrapServers, topic: kafkaOut.topic, format: outFormat, keyFields: keyFields, settings: settings)
            }
        } else {
            let shared = LockedByteSink(outputFile!)
            sinks = (0..<shards).map { i in outFormat.makeEncoder(sink: shared, csvHeader: i == 0, wholeRecords: true, ownsSink: false) }
        }
        if !quiet, !settings.isEmpty { printError("kafka settings: \(KafkaSecrets.redacted(settings))") }

        let runner: ParallelRunner
        do {
            runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: shards, prefetch: prefetch, keyGroups: keyGroups),
                                        source: source, sinks: sinks, deadLetters: deadLetters, batchSize: batchSize,
                                        resources: pipeline.planResources)
        } catch {
            throw RuntimeError("pipeline '\(spec.name)': \(error.message)")
        }
        let summary = try runner.run()  // closes the sinks: every Kafka delivery is acknowledged, or this throws
        try outputFile?.close()
        try deadLetterSink?.close()
        try lateSink?.close()
        // At-least-once: offsets are committed only now, after the output they produced is durable.
        try kafkaSource?.commit()

        var details: [String] = []
        if let kafkaSource {
            let positions = kafkaSource.positions
            details.append("input: \(kafkaIn!) (\(untilEnd ? "up to the end offsets at start" : "until stopped")); committed offsets of \(positions.count) partitions (up to \(positions.reduce(Int64(0)) { $0 + $1.offset }) records)")
        }
        details.append("output: \(kafkaOut.map(\.description) ?? output)")
        try finishRun(summary, deadLetters: deadLetters, deadLetterPath: deadLetterPath, stopped: stop.isRequested, details: details)
    }
}
