import Foundation
import Sluice
import SluiceFiles
@testable import SluiceKafka
import SluicePipelines
import SluiceWorkload
import Testing

/// Kafka → sensor-features → Kafka on the built-in cluster: the canonical checksum, nothing lost
/// across a broker outage, offsets committed so a second run reads nothing twice.
@Suite(.serialized) struct KafkaPipelineTests {
    static let events = 60_000

    /// Generates the workload and produces it into `sensors` (16 partitions), keyed by sensor.
    func setUp(_ broker: DevBroker) throws -> (dir: String, expected: WorkloadExpectation) {
        try broker.createTopic("sensors", partitions: 16)
        try broker.createTopic("features", partitions: 16)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-kafka-\(UUID().uuidString)").path
        _ = try WorkloadGenerator(events: Self.events).write(to: dir, formats: [.csv])
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers)
        let lines = try String(contentsOfFile: WorkloadFiles.csvPath(in: dir, events: Self.events), encoding: .utf8).split(separator: "\n").dropFirst()
        for line in lines { try producer.send(topic: "sensors", key: String(line.prefix { $0 != "," }), value: String(line)) }
        try producer.flush()
        return (dir, try WorkloadExpectation.load(fromDirectory: dir, events: Self.events))
    }

    func runPipeline(_ broker: DevBroker, group: String, shards: Int, during: ((Int) throws -> Void)? = nil) throws -> (RunSummary, KafkaBlockSource) {
        let source = try KafkaBlockSource(KafkaEndpoint(parsing: "kafka://\(broker.bootstrapServers)/sensors?group=\(group)"), format: .csv, untilEnd: true)
        let sinks = try (0..<shards).map { _ in
            try KafkaRecordSink(bootstrapServers: broker.bootstrapServers, topic: "features", format: .csv, keyFields: ["sensor_id", "window_start"],
                                settings: ["message.timeout.ms": "30000"])
        }
        let runner = try ParallelRunner(spec: sensorFeatures.spec, options: ParallelOptions(shards: shards, prefetch: 2), source: source,
                                        sinks: sinks, deadLetters: DeadLetters(sink: nil), batchSize: 1024)
        var calls = 0
        let summary = try runner.run { _ in
            calls += 1
            try? during?(calls)
        }
        try source.commit()
        return (summary, source)
    }

    func readFeatures(_ broker: DevBroker) throws -> [UInt8] {
        var bytes = Array("sensor_id,window_start,cnt,mean_temp_z,min_temp_z,max_temp_z,sum_feat\n".utf8)
        try KafkaTopicReader(bootstrapServers: broker.bootstrapServers, topic: "features").forEach { _, value, _, _ in
            bytes += value
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    @Test func kafkaToKafkaGivesTheCanonicalChecksum() throws {
        let broker = try DevBroker(brokers: 3)
        let (dir, expected) = try setUp(broker)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (summary, _) = try runPipeline(broker, group: "g1", shards: 2)
        #expect(summary.recordsIn == Int64(Self.events))
        #expect(summary.deadLetterReasons.allSatisfy { $0.reason != "late_event" }, "per-partition watermarks: nothing is late")
        let checksum = try WorkloadChecksum(csv: readFeatures(broker))
        #expect(checksum.problems(comparedTo: expected) == [])

        // Offsets were committed: the same group reads nothing more.
        let again = try KafkaBlockSource(KafkaEndpoint(parsing: "kafka://\(broker.bootstrapServers)/sensors?group=g1"), format: .csv, untilEnd: true)
        try again.open(schema: sensorFeatures.spec.schema)
        #expect(try again.next(into: Block(capacity: 1 << 16), maxLines: 100) == false)
    }

    @Test func aBrokerOutageMidRunLosesNoWindow() throws {
        let broker = try DevBroker(brokers: 3)
        let (dir, expected) = try setUp(broker)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Broker 2 goes down shortly after the run starts and comes back 400 ms later.
        final class Outage: @unchecked Sendable {  // Safe: DevBroker's calls go to librdkafka's thread-safe mock API.
            let broker: DevBroker
            init(_ broker: DevBroker) { self.broker = broker }
        }
        let outage = Outage(broker)
        let chaos = Thread {
            usleep(150_000)
            _ = try? outage.broker.control("down 2")
            usleep(400_000)
            _ = try? outage.broker.control("up 2")
        }
        chaos.start()
        let (summary, _) = try runPipeline(broker, group: "g2", shards: 2)
        usleep(600_000)
        #expect(summary.recordsIn == Int64(Self.events))
        let checksum = try WorkloadChecksum(csv: readFeatures(broker))
        #expect(checksum.problems(comparedTo: expected) == [])
    }

    /// A slow sink fills the pipeline: the source pauses fetching (backpressure) instead of letting
    /// librdkafka's queues grow, resumes when there is room, and every record still comes out.
    @Test func aSlowPipelinePausesFetchingAndLosesNothing() throws {
        let broker = try DevBroker(brokers: 1)
        let (dir, _) = try setUp(broker)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try broker.createTopic("clean", partitions: 16)
        final class SlowSink: RecordSink {
            let inner: KafkaRecordSink
            init(_ inner: KafkaRecordSink) { self.inner = inner }
            var recordsWritten: Int64 { inner.recordsWritten }
            func open(schema: Schema) throws { try inner.open(schema: schema) }
            func write(_ batch: Batch, slots: [Int]) throws {
                usleep(100_000)
                try inner.write(batch, slots: slots)
            }
            func flush() throws { try inner.flush() }
            func close() throws { try inner.close() }
        }
        // The stateless part of sensor-features: every batch is written.
        var spec = sensorFeatures.spec
        spec.steps.removeAll { if case .window = $0 { return true } else { return false } }
        let source = try KafkaBlockSource(KafkaEndpoint(parsing: "kafka://\(broker.bootstrapServers)/sensors?group=slow"), format: .csv, untilEnd: true)
        let sink = SlowSink(try KafkaRecordSink(bootstrapServers: broker.bootstrapServers, topic: "clean", format: .csv, keyFields: []))
        let runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: 1, prefetch: 0), source: source, sink: sink,
                                        deadLetters: DeadLetters(sink: nil), batchSize: 2048)
        let summary = try runner.run()
        #expect(summary.recordsIn == Int64(Self.events))
        #expect(source.pauses > 0, "fetching was paused while the pipeline was full")
        var out = 0
        try KafkaTopicReader(bootstrapServers: broker.bootstrapServers, topic: "clean").forEach { _, _, _, _ in out += 1 }
        #expect(Int64(out) == summary.recordsOut && out > Self.events * 9 / 10)
    }

    /// Exactly-once mode: one transactional producer, a transaction per checkpoint carrying the
    /// input offsets. What the dev cluster can show: the transactional calls succeed and the output
    /// is complete and correct. What it cannot: isolation (it does not hide aborted data from
    /// read_committed consumers) and the offsets (it does not store transactional offset commits).
    @Test func transactionalOutputGivesTheCanonicalChecksum() throws {
        let broker = try DevBroker(brokers: 3)
        let (dir, expected) = try setUp(broker)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try KafkaBlockSource(KafkaEndpoint(parsing: "kafka://\(broker.bootstrapServers)/sensors?group=tx"), format: .csv, untilEnd: true)
        source.commitsOffsets = false
        let sink = try KafkaRecordSink(bootstrapServers: broker.bootstrapServers, topic: "features", format: .csv, keyFields: ["sensor_id", "window_start"],
                                       transactionalID: "sluice-test-tx")
        let runner = try ParallelRunner(spec: sensorFeatures.spec, options: ParallelOptions(shards: 2, prefetch: 2), source: source, sink: sink,
                                        deadLetters: DeadLetters(sink: nil), batchSize: 1024)
        let checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-tx-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: checkpoints) }
        var options = CheckpointOptions(store: try CheckpointStore(directory: checkpoints), intervalSeconds: 0.05)
        options.transactional = TransactionalOutput(commit: { checkpoint, last in
            try sink.commitTransaction(positions: checkpoint.positions, of: source, last: last)
        }, isCommitted: { try source.committedOffsets() == $0.positions })
        runner.checkpointing = options
        let summary = try runner.run()
        #expect(summary.recordsIn == Int64(Self.events))
        #expect(sink.transactionsCommitted == runner.checkpoints.count && sink.transactionsCommitted >= 1)
        #expect(try WorkloadChecksum(csv: readFeatures(broker)).problems(comparedTo: expected) == [])
    }
}
