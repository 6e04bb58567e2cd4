import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceFiles
import SluiceKafka
import SluiceWorkload

/// Kafka → sensor-features → Kafka on the built-in cluster, next to the raw librdkafka consume
/// rate measured in the same run on the same topic.
struct BenchKafkaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-kafka",
        abstract: "Benchmark Kafka -> pipeline -> Kafka on the built-in cluster against the raw consume rate.",
        discussion: "Generates the canonical workload into --data-dir if missing, starts a dev cluster in process, produces the events into a topic of --partitions partitions, then measures a raw consume of the topic and the sensor-features pipeline from it to an output topic (checksum verified). Build with `swift build -c release` first.")

    @Option(name: .shortAndLong, help: "Number of events.")
    var events: Int = 1_000_000

    @Option(help: "Partitions of the input and output topics (the dev cluster keeps about 5 MiB per partition).")
    var partitions: Int = 64

    @Option(help: "Worker threads of the pipeline.")
    var shards: Int = ParallelOptions.defaultShards

    @Option(help: "Seconds between checkpoints in the second, checkpointed pipeline run.")
    var checkpointInterval: Double = 0.25

    @Option(help: "Where the generated workload data lives.")
    var dataDir: String = "data/bench"

    func run() throws {
        _ = blockTerminationSignals()
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        let path = WorkloadFiles.csvPath(in: dataDir, events: events)
        if !FileManager.default.fileExists(atPath: path) {
            printError("generating \(events) events into \(dataDir) ...")
            _ = try WorkloadGenerator(events: events).write(to: dataDir, formats: [.csv])
        }
        let broker = try DevBroker(brokers: 1)
        try broker.createTopic("sensors", partitions: partitions)

        let produceStart = monotonicSeconds()
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n").dropFirst() {
            try producer.send(topic: "sensors", key: String(line.prefix { $0 != "," }), value: String(line))
        }
        try producer.flush()
        let produceSeconds = monotonicSeconds() - produceStart

        // Raw consume: every message of the topic, bytes touched, nothing decoded.
        let rawStart = monotonicSeconds()
        var rawBytes = 0
        let reader = try KafkaTopicReader(bootstrapServers: broker.bootstrapServers, topic: "sensors")
        try reader.forEach { _, value, _, _ in rawBytes &+= value.count }
        let rawSeconds = monotonicSeconds() - rawStart
        guard reader.read == events else { throw RuntimeError("raw consume read \(reader.read) of \(events) messages (the dev cluster drops data beyond ~5 MiB per partition: raise --partitions)") }

        // The pipeline, Kafka to Kafka: without checkpoints, then with checkpoints every `checkpointInterval`.
        let plain = try runPipeline(broker, group: "bench", output: "features", checkpointInterval: nil)
        let checkpointed = try runPipeline(broker, group: "bench-checkpointed", output: "features-checkpointed", checkpointInterval: checkpointInterval)
        let transactional = try runPipeline(broker, group: "bench-transactional", output: "features-transactional", checkpointInterval: checkpointInterval,
                                            transactional: true)

        print("sluice bench-kafka: \(events) events, dev cluster (1 broker, loopback), topics of \(partitions) partitions, \(shards) shard\(shards == 1 ? "" : "s")")
        print("  produce (idempotent, zstd, keyed)     \(formatRate(Double(events) / produceSeconds)) msg/s")
        print("  raw consume (librdkafka, no decode)   \(formatRate(Double(events) / rawSeconds)) msg/s  (\(fixed(Double(rawBytes) / 1_048_576 / rawSeconds, 1)) MiB/s)")
        for (label, result) in [("Kafka -> sensor-features -> Kafka    ", plain), ("... with checkpoints every \(checkpointInterval) s", checkpointed),
                                ("... exactly-once (a transaction per checkpoint)", transactional)] {
            print("  \(label) \(formatRate(Double(events) / result.summary.seconds)) events/s = \(fixed(rawSeconds / result.summary.seconds * 100, 0)) % of raw consume; \(result.summary.recordsOut) windows out, checksum \(result.check)")
        }
        let reports = checkpointed.checkpoints
        if let largest = reports.max(by: { $0.stateBytes < $1.stateBytes }) {
            let slowest = reports.map(\.seconds).max() ?? 0
            print("  checkpoints: \(reports.count) (the final one included), the largest \(largest.stateBytes) bytes of state -> \(largest.fileBytes) on disk (zstd); slowest \(fixed(slowest * 1000, 1)) ms from barrier to durable + offsets committed")
        }
    }

    /// One Kafka -> sensor-features -> Kafka run into `output`; checks the windows against the workload's expectation.
    private func runPipeline(_ broker: DevBroker, group: String, output: String, checkpointInterval: Double?, transactional: Bool = false) throws
        -> (summary: RunSummary, check: String, checkpoints: [CheckpointReport]) {
        try broker.createTopic(output, partitions: partitions)
        let source = try KafkaBlockSource(KafkaEndpoint(parsing: "kafka://\(broker.bootstrapServers)/sensors?group=\(group)"), format: .csv, untilEnd: true)
        let sinks = try (0..<(transactional ? 1 : shards)).map { _ in
            try KafkaRecordSink(bootstrapServers: broker.bootstrapServers, topic: output, format: .csv, keyFields: ["sensor_id", "window_start"],
                                transactionalID: transactional ? "sluice-bench-\(getpid())" : nil)
        }
        let runner = try ParallelRunner(spec: BenchWindowsCommand.pipeline(.tumbling(.seconds(10))), options: ParallelOptions(shards: shards), source: source, sinks: sinks,
                                        deadLetters: DeadLetters(sink: nil))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-checkpoints-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        if let checkpointInterval {
            runner.checkpointing = CheckpointOptions(store: try CheckpointStore(directory: directory), intervalSeconds: checkpointInterval)
            if transactional {
                source.commitsOffsets = false
                let sink = sinks[0]
                runner.checkpointing?.transactional = TransactionalOutput(commit: { checkpoint, last in
                    try sink.commitTransaction(positions: checkpoint.positions, of: source, last: last)
                }, isCommitted: { try source.committedOffsets() == $0.positions })
            }
        }
        let summary = try runner.run()
        if !transactional { try source.commit() }

        var out = Array("sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat\n".utf8)
        try KafkaTopicReader(bootstrapServers: broker.bootstrapServers, topic: output).forEach { _, value, _, _ in
            out += value
            out.append(UInt8(ascii: "\n"))
        }
        let expected = try WorkloadExpectation.load(fromDirectory: dataDir, events: events)
        let problems = try WorkloadChecksum(csv: out).problems(comparedTo: expected)
        return (summary, problems.isEmpty ? "ok" : "FAILED: " + problems.joined(separator: "; "), runner.checkpoints)
    }
}
