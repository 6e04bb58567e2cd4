import ArgumentParser
import Foundation
import Sluice
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
        try broker.createTopic("features", partitions: partitions)

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

        // The pipeline, Kafka to Kafka.
        let source = try KafkaBlockSource(KafkaEndpoint(parsing: "kafka://\(broker.bootstrapServers)/sensors?group=bench"), format: .csv, untilEnd: true)
        let sinks = try (0..<shards).map { _ in
            try KafkaRecordSink(bootstrapServers: broker.bootstrapServers, topic: "features", format: .csv, keyFields: ["sensor_id", "window_start"])
        }
        let runner = try ParallelRunner(spec: BenchWindowsCommand.pipeline(.tumbling(.seconds(10))), options: ParallelOptions(shards: shards), source: source, sinks: sinks,
                                        deadLetters: DeadLetters(sink: nil))
        let summary = try runner.run()
        try source.commit()

        var out = Array("sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat\n".utf8)
        try KafkaTopicReader(bootstrapServers: broker.bootstrapServers, topic: "features").forEach { _, value, _, _ in
            out += value
            out.append(UInt8(ascii: "\n"))
        }
        let expected = try WorkloadExpectation.load(fromDirectory: dataDir, events: events)
        let problems = try WorkloadChecksum(csv: out).problems(comparedTo: expected)
        let check = problems.isEmpty ? "ok" : "FAILED: " + problems.joined(separator: "; ")

        print("sluice bench-kafka: \(events) events, dev cluster (1 broker, loopback), topics of \(partitions) partitions, \(shards) shard\(shards == 1 ? "" : "s")")
        print("  produce (idempotent, zstd, keyed)     \(formatRate(Double(events) / produceSeconds)) msg/s")
        print("  raw consume (librdkafka, no decode)   \(formatRate(Double(events) / rawSeconds)) msg/s  (\(fixed(Double(rawBytes) / 1_048_576 / rawSeconds, 1)) MiB/s)")
        print("  Kafka -> sensor-features -> Kafka     \(formatRate(Double(events) / summary.seconds)) events/s = \(fixed(rawSeconds / summary.seconds * 100, 0)) % of raw consume; \(summary.recordsOut) windows out, checksum \(check)")
    }
}
