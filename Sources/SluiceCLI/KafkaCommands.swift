import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceFiles
import SluiceKafka

/// `sluice broker`: librdkafka's built-in Kafka-protocol cluster on loopback, for development,
/// demos and tests.
struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run a development Kafka cluster on loopback (librdkafka's built-in cluster): not for production.",
        discussion: """
        Prints the bootstrap address (and writes it to --bootstrap-file), creates the --topic topics \
        (the cluster does not implement CreateTopics; topics used before they exist are auto-created \
        with 4 partitions), and runs until SIGINT or SIGTERM. It keeps only about 5 MiB or 100 k batches \
        per partition, dropping older data, and does not enforce transactions: use many partitions for \
        large runs, and a real cluster for anything that matters.

        Control commands, one per line on standard input, to rehearse failures:
          down N | up N            take broker N (1-based) down / bring it back
          rtt N MS                 delay broker N's responses by MS milliseconds
          errors API ERR COUNT     fail the next COUNT requests of Kafka API key API (0 produce, 1 fetch, ...) with error code ERR
          topic NAME:PARTITIONS    create a topic
        """)

    @Option(help: "Number of brokers.")
    var brokers: Int = 1

    @Option(name: .customLong("topic"), help: "A topic to create, NAME:PARTITIONS (repeatable).")
    var topics: [String] = []

    @Option(help: "Also write the bootstrap address to this file (atomically).")
    var bootstrapFile: String?

    @OptionGroup(title: "Operations") var operations: OperationsOptions

    func run() throws {
        // Before any librdkafka thread exists: signals must reach only the thread that waits for them.
        var signals = blockTerminationSignals()
        let ops = try Operations(operations, verb: "broker", name: "dev cluster")

        let broker = try DevBroker(brokers: brokers)
        for t in topics {
            let (name, partitions) = try DevBroker.parseTopic(t)
            try broker.createTopic(name, partitions: partitions)
        }
        if let bootstrapFile {
            let temp = bootstrapFile + ".tmp"
            try (broker.bootstrapServers + "\n").write(toFile: temp, atomically: false, encoding: .utf8)
            guard rename(temp, bootstrapFile) == 0 else { throw RuntimeError("cannot write \(bootstrapFile)") }
        }
        print(broker.bootstrapServers)
        fflush(nil)
        ops.board.set("bootstrap", broker.bootstrapServers)
        ops.board.set("topics", topics.joined(separator: ", "))
        let started = "sluice broker: \(brokers) broker\(brokers == 1 ? "" : "s") at \(broker.bootstrapServers)"
            + (topics.isEmpty ? "" : ", topics \(topics.joined(separator: ", "))") + "; development only; Ctrl-C to stop"
        ops.logger.info("\(started)", metadata: ["event": "broker_started", "bootstrap": .string(broker.bootstrapServers)])

        let control = BrokerControl(broker)
        let reader = Thread { control.readCommands() }
        reader.start()
        var received: Int32 = 0
        sigwait(&signals, &received)
        ops.logger.notice("sluice broker: stopping (signal \(received))", metadata: ["event": "stopping", "signal": "\(received)"])
        Foundation.exit(0)
    }
}

/// Applies control commands from standard input. Safe to hand to the reader thread: the dev
/// broker's calls go to librdkafka's thread-safe mock-cluster API.
final class BrokerControl: @unchecked Sendable {
    let broker: DevBroker
    init(_ broker: DevBroker) { self.broker = broker }

    func readCommands() {
        while let line = readLine() {
            let command = line.trimmingCharacters(in: .whitespaces)
            guard !command.isEmpty else { continue }
            do {
                print(try broker.control(command))
            } catch {
                print("error: \(error)")
            }
            fflush(nil)
        }
    }
}

/// `sluice produce`: a file of records (one per line) into a topic.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Write the records of a CSV or NDJSON file (one per line; a CSV header is skipped) into a Kafka topic.",
        discussion: "Idempotent producer, zstd compression; every delivery report is checked and any undelivered record fails the command.")

    @Option(help: "Bootstrap servers (host:port,...), e.g. from `sluice broker`.")
    var brokers: String

    @Option(help: "Topic to write to.")
    var topic: String

    @Argument(help: "Input file, or - for standard input.")
    var input: String = "-"

    @Option(help: "CSV: the column whose value keys each message (so a key's records share a partition).")
    var key: String?

    @Flag(help: "The input has no header line (CSV).")
    var noHeader = false

    @Option(help: "A librdkafka properties file (key=value lines): TLS, SASL, any client setting.")
    var kafkaConfig: String?

    func run() throws {
        let producer = try KafkaProducer(bootstrapServers: brokers, settings: try KafkaProperties.load(kafkaConfig))
        guard let handle = input == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: input) else { throw RuntimeError("cannot read \(input)") }
        let isCSV = input.lowercased().hasSuffix(".csv")
        var keyColumn: Int?
        var first = true
        var pending = Data()
        let start = Date()
        func handleLine(_ line: Substring) throws {
            if first {
                first = false
                if isCSV && !noHeader {
                    if let key {
                        let names = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
                        guard let i = names.firstIndex(of: key) else { throw ValidationError("--key: no column '\(key)' in the header") }
                        keyColumn = i
                    }
                    return
                }
            }
            guard !line.isEmpty else { return }
            let keyValue = keyColumn.map { i in line.split(separator: ",", omittingEmptySubsequences: false).dropFirst(i).first.map(String.init) ?? "" }
            try producer.send(topic: topic, key: keyValue, value: String(line))
        }
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            pending.append(chunk)
            if let last = pending.lastIndex(of: UInt8(ascii: "\n")) {
                let text = String(decoding: pending[pending.startIndex...last], as: UTF8.self)
                for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { try handleLine(line) }
                pending = Data(pending[(last + 1)...])
            }
        }
        if !pending.isEmpty { try handleLine(Substring(String(decoding: pending, as: UTF8.self))) }
        try producer.flush()
        let seconds = Date().timeIntervalSince(start)
        printError("sluice produce: \(producer.delivered) records to \(topic) in \(fixed(seconds, 2)) s (\(formatRate(Double(producer.delivered) / max(seconds, 1e-9))) records/s), all delivered")
    }
}

/// `sluice consume`: a topic, up to its end offsets, into a file.
struct ConsumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Read a Kafka topic from the beginning up to the end offsets present at start, one message per line.")

    @Option(help: "Bootstrap servers (host:port,...).")
    var brokers: String

    @Option(help: "Topic to read.")
    var topic: String

    @Option(name: .shortAndLong, help: "Output file, or - for standard output.")
    var output: String = "-"

    @Option(help: "A librdkafka properties file (key=value lines).")
    var kafkaConfig: String?

    func run() throws {
        let reader = try KafkaTopicReader(bootstrapServers: brokers, topic: topic, settings: try KafkaProperties.load(kafkaConfig))
        let sink = try FileByteSink(path: output)
        let out = OutputBuffer(sink: sink, capacity: 1 << 20)
        try reader.forEach { _, value, _, _ in
            if let base = value.baseAddress { try out.append(base.assumingMemoryBound(to: UInt8.self), value.count) }
            if value.last != UInt8(ascii: "\n") { try out.append("\n") }
        }
        try out.flush()
        try sink.close()
        printError("sluice consume: \(reader.read) records from \(topic) (\(reader.endOffsets.count) partitions)")
    }
}

/// `sluice lag`: a consumer group's position on a topic, per partition, and its latest checkpoint.
struct LagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag",
        abstract: "Show a consumer group's committed offset, the end offset and the lag per partition of a topic (and the latest checkpoint).")

    @OptionGroup var kafka: KafkaGroupOptions

    @Option(help: "Also show the latest checkpoint in this directory (`sluice run --checkpoint-dir`).")
    var checkpointDir: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let lag = try ConsumerLag.measure(bootstrapServers: kafka.brokers, topic: kafka.topic, group: kafka.groupName,
                                          settings: try KafkaProperties.load(kafka.kafkaConfig))
        var checkpoint: Checkpoint?
        if let checkpointDir {
            do {
                checkpoint = try CheckpointStore(directory: checkpointDir).latest().checkpoint
            } catch {
                throw RuntimeError("\(error)")
            }
        }
        if json {
            let parts = lag.partitions.map { p in
                "{\"partition\":\(p.partition),\"committed\":\(p.committed.map(String.init) ?? "null"),\"end\":\(p.high),\"lag\":\(p.lag)\(checkpoint.map { p.partition < $0.positions.count ? ",\"checkpoint\":\($0.positions[p.partition])" : "" } ?? "")}"
            }
            let ckpt = checkpoint.map { ",\"checkpoint\":{\"id\":\($0.id),\"created_ms\":\($0.createdAtMilliseconds),\"state_bytes\":\($0.stateBytes)}" } ?? ""
            print("{\"topic\":\"\(lag.topic)\",\"group\":\"\(lag.group)\",\"lag\":\(lag.total)\(ckpt),\"partitions\":[\(parts.joined(separator: ","))]}")
            return
        }
        print("topic \(lag.topic), group \(lag.group): lag \(lag.total) records over \(lag.partitions.count) partitions")
        print("partition  committed        end        lag" + (checkpoint == nil ? "" : "  checkpoint"))
        for p in lag.partitions {
            let c = p.committed.map(String.init) ?? "-"
            var line = String(repeating: " ", count: max(0, 9 - String(p.partition).count)) + "\(p.partition)"
            for v in [c, String(p.high), String(p.lag)] { line += String(repeating: " ", count: max(1, 11 - v.count)) + v }
            if let checkpoint, p.partition < checkpoint.positions.count {
                let v = String(checkpoint.positions[p.partition])
                line += String(repeating: " ", count: max(1, 12 - v.count)) + v
            }
            print(line)
        }
        if let checkpoint {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            print("latest checkpoint: \(checkpoint.id) of pipeline \(checkpoint.pipeline), \(String(format: "%.1f", Double(now - checkpoint.createdAtMilliseconds) / 1000)) s old, \(checkpoint.stateBytes) bytes of state, \(checkpoint.shards) shards")
        }
    }
}

/// Which consumer group on which topic of which cluster: what `lag` and `status` look at.
struct KafkaGroupOptions: ParsableArguments {
    @Option(help: "Bootstrap servers (host:port,...).")
    var brokers: String

    @Option(help: "Topic the group reads.")
    var topic: String

    @Option(help: "Consumer group (a `sluice run` uses ?group=G, default sluice-TOPIC).")
    var group: String?

    @Option(help: "A librdkafka properties file (key=value lines).")
    var kafkaConfig: String?

    var groupName: String { group ?? "sluice-\(topic)" }
}
