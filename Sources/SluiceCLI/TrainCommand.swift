import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceOps
import Logging
import SluiceFiles
import SluiceKafka
import SluiceML

/// `sluice train`: continuous (prequential) training of a classifier from a file of labelled
/// records, with drift detection, a retraining policy, a model registry and triggers.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model continuously from labelled records: drift detection, retraining policy, model registry, triggers.",
        discussion: """
        Each record is first predicted (and scored), then learned from. With --policy drift, a drift warning starts \
        a candidate model; a confirmed drift starts one from the last --replay records if none runs, then both models \
        are scored side by side on the next --holdout records and the candidate is promoted only if it was more \
        accurate (otherwise the current model stays). Versions are saved as JSON in --registry (see `sluice models`). \
        Input: a CSV file with a header, NDJSON with --features, or a Kafka topic (kafka://HOSTS/TOPIC?group=G, \
        with --format, --features, --label and --classes; until SIGINT/SIGTERM, or --until-end). With --model-topic, \
        every saved version is also published to a Kafka topic as its JSON document, keyed by version.
        """)

    @Option(name: .shortAndLong, help: "Labelled records: CSV with a header line, NDJSON (with --features), or kafka://HOSTS/TOPIC?group=G.")
    var input: String

    @OptionGroup(title: "Operations") var operations: OperationsOptions

    @Option(help: "Kafka input: the class labels, comma-separated (a stream cannot be scanned for them first).")
    var classes: String?

    @Flag(help: "Kafka input: stop at the end offsets present at start.")
    var untilEnd = false

    @Option(help: "Publish every saved model version to this Kafka topic (kafka://HOSTS/TOPIC), keyed by version.")
    var modelTopic: String?

    @Option(help: "A librdkafka properties file for Kafka input and the model topic.")
    var kafkaConfig: String?

    @Option(help: "Input format: csv or ndjson (default: from the extension).")
    var format: String?

    @Option(help: "The label column (default: the last CSV column).")
    var label: String?

    @Option(help: "Comma-separated feature columns (default: every other CSV column).")
    var features: String?

    @Option(help: "Model: logistic (binary or multinomial logistic regression with an online standard scaler and Adam).")
    var model: String = "logistic"

    @Option(help: "Drift detector on the error stream: adwin, page-hinkley, ddm or none.")
    var drift: String = "adwin"

    @Option(help: "Retraining policy: drift, every-n:N, or never.")
    var policy: String = "drift"

    @Option(help: "Records of shadow evaluation before a candidate is promoted or dropped.")
    var holdout: Int = 500

    @Option(help: "Most recent records a candidate started at a drift first learns from.")
    var replay: Int = 200

    @Option(help: "Model registry directory.")
    var registry: String = "models"

    @Option(help: "Adam learning rate.")
    var learningRate: Double = 0.02

    @Option(help: "Shell command run on every promotion (event JSON on stdin; SLUICE_EVENT, SLUICE_MODEL_VERSION set).")
    var onPromote: String?

    @Option(help: "Shell command run on every drift.")
    var onDrift: String?

    @Option(help: "http:// URL to POST every drift and promotion event to, as JSON.")
    var post: String?

    @Flag(help: "No live summary line.")
    var quiet = false

    func validate() throws {
        guard model == "logistic" else { throw ValidationError("--model: only 'logistic' is available in sluice train") }
        guard ["adwin", "page-hinkley", "ddm", "none"].contains(drift) else { throw ValidationError("--drift must be adwin, page-hinkley, ddm or none") }
        guard RetrainingPolicy(parsing: policy) != nil else { throw ValidationError("--policy must be drift, every-n:N (N > 0) or never") }
        guard holdout > 0, replay >= 0 else { throw ValidationError("--holdout must be positive and --replay not negative") }
        if let format, RecordFormat(rawValue: format) == nil { throw ValidationError("--format must be csv or ndjson") }
    }

    func run() throws {
        let ops = try Operations(operations, verb: "train", name: registry)
        let log = ops.logger
        let trainingMetrics = TrainingMetrics(model: registry)
        ops.board.set("input", input)
        let inputFormat = try format.flatMap(RecordFormat.init(rawValue:)) ?? RecordFormat.infer(fromPath: input)
            ?? { throw ValidationError("cannot tell the format of '\(input)': pass --format csv or --format ndjson") }()
        // librdkafka threads must not receive SIGINT/SIGTERM.
        let signals = KafkaEndpoint.isKafka(input) || modelTopic != nil ? blockTerminationSignals() : sigset_t()
        var names: [String]
        let kafkaInput = try KafkaEndpoint.isKafka(input) ? KafkaEndpoint(parsing: input) : nil
        if kafkaInput != nil {
            guard let features, let label else { throw ValidationError("Kafka input needs --features and --label (and --classes)") }
            names = features.split(separator: ",").map(String.init) + [label]
        } else if inputFormat == .csv {
            guard let handle = FileHandle(forReadingAtPath: input) else { throw RuntimeError("cannot read \(input)") }
            let head = handle.readData(ofLength: 64 * 1024)
            try? handle.close()
            guard let line = String(decoding: head, as: UTF8.self).split(whereSeparator: \.isNewline).first else { throw RuntimeError("\(input) is empty") }
            names = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
        } else {
            guard let features, let label else { throw ValidationError("NDJSON input needs --features and --label") }
            names = features.split(separator: ",").map(String.init) + [label]
        }
        let labelName = label ?? names.last!
        guard names.contains(labelName) else { throw ValidationError("--label: no column '\(labelName)' in \(input) (columns: \(names.joined(separator: ", ")))") }
        let featureNames = features.map { $0.split(separator: ",").map(String.init) } ?? names.filter { $0 != labelName }
        for f in featureNames where !names.contains(f) { throw ValidationError("--features: no column '\(f)' in \(input)") }
        guard !featureNames.isEmpty else { throw ValidationError("no feature columns") }
        let schema = Schema(names.map { Field($0, $0 == labelName ? .string : (featureNames.contains($0) ? .float64 : .string)) })

        // Classes: the label values present in the file, sorted (numerically when they are numbers).
        let letters = DeadLetters(sink: nil)
        var labelValues = Set<String>()
        if kafkaInput != nil {
            guard let classes else { throw ValidationError("Kafka input needs --classes (the label values, comma-separated)") }
            labelValues = Set(classes.split(separator: ",").map(String.init))
        } else {
            try forEachBatch(schema: schema, format: inputFormat, letters: DeadLetters(sink: nil)) { batch in
                let column = batch.column(labelName)!
                for r in 0..<batch.count where column.isValid(r) { labelValues.insert(batch.arena.string(column.strings[r])) }
            }
        }
        guard labelValues.count >= 2 else { throw RuntimeError("the label column '\(labelName)' has fewer than two classes") }
        let classes = ClassLabels(labelValues.sorted { a, b in
            if let x = Double(a), let y = Double(b) { return x < y }
            return a < b
        }.map { .string($0) })

        let registry = try ModelRegistry(directory: self.registry)
        let detector: AnyDriftDetector? = switch drift {
        case "adwin": .adwin(ADWIN())
        case "page-hinkley": .pageHinkley(PageHinkley())
        case "ddm": .ddm(DDM())
        default: nil
        }
        let rate = learningRate
        let d = featureNames.count
        let trainer = ContinuousTrainer(
            featureNames: featureNames, classes: classes, policy: RetrainingPolicy(parsing: policy, holdout: holdout, replay: replay)!,
            detector: detector, registry: registry,
            hyperParameters: ["model": "logistic_regression", "optimizer": "adam", "learning_rate": String(rate), "drift": drift, "policy": policy,
                              "features": featureNames.joined(separator: ","), "label": labelName],
            makeModel: { LogisticRegression(featureCount: d, classes: classes, optimizer: Adam(learningRate: .constant(rate)), featureNames: featureNames) })
        if let onPromote { trainer.triggers.append(try TriggerRunner(.command(onPromote), on: [.promotion])) }
        if let onDrift { trainer.triggers.append(try TriggerRunner(.command(onDrift), on: [.drift])) }
        if let post { trainer.triggers.append(try TriggerRunner(.post(url: post), on: [.drift, .promotion])) }
        let settings = try KafkaProperties.load(kafkaConfig)
        let publisher = try modelTopic.map { try ModelTopicPublisher(KafkaEndpoint(parsing: $0), registry: registry, settings: settings) }
        let live = !quiet && isatty(2) != 0 && operations.format == .text
        let start = monotonicSeconds()
        var lastReport = start
        func line() -> String {
            let seconds = monotonicSeconds() - start
            return "\(trainer.position) records, \(formatRate(Double(trainer.position) / max(seconds, 1e-9))) samples/s, accuracy \(fixed(trainer.accuracy * 100, 2)) % "
                + "(last \(trainer.window): \(fixed(trainer.windowAccuracy * 100, 2)) %), \(trainer.drifts) drifts, \(trainer.promotions) promotions, model v\(trainer.currentVersion.map(String.init) ?? "-")"
        }
        trainer.onEvent = { event in
            if let version = event.version, event.kind == .promotion || event.kind == .published {
                do { try publisher?.publish(version) } catch { log.error("model topic: \(error)", metadata: ["event": "model_topic_failed"]) }
            }
            // The status page's metric curve carries a marker per drift and promotion.
            if event.kind == .drift {
                trainingMetrics.drifted()
                ops.board.addMarker(.init(t: StatusBoard.now(), records: Int64(event.position), kind: "drift", label: "drift at \(event.position)"))
            } else if event.kind == .promotion {
                if let v = event.version { trainingMetrics.promoted(to: v) }
                ops.board.addMarker(.init(t: StatusBoard.now(), records: Int64(event.position), kind: "promotion", label: "v\(event.version.map(String.init) ?? "?")"))
            } else if event.kind == .published, let v = event.version {
                trainingMetrics.serving(v)
            }
            guard !quiet else { return }
            var text = "\(event.kind.rawValue) at record \(event.position)"
            var metadata: Logger.Metadata = ["event": .string(event.kind.rawValue), "record": "\(event.position)"]
            if let v = event.version {
                text += ", model v\(v)"
                metadata["version"] = "\(v)"
            }
            if let c = event.currentAccuracy, let n = event.candidateAccuracy {
                text += " (shadow accuracy: current \(fixed(c * 100, 1)) %, candidate \(fixed(n * 100, 1)) %)"
                metadata["current_accuracy"] = .string(fixed(c, 4))
                metadata["candidate_accuracy"] = .string(fixed(n, 4))
            }
            if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            log.info("\(text)", metadata: metadata)
        }
        var nextPoint = monotonicSeconds()
        let extractor = FeatureExtractor(features: featureNames, target: .classification(column: labelName, classes: classes))
        let learn: (Batch) throws -> Void = { batch in
            let rows = try extractor.extract(batch)
            for i in 0..<rows {
                try trainer.process(UnsafeBufferPointer(rebasing: extractor.features[(i * d)..<((i + 1) * d)]), label: Int(extractor.classIndices[i]))
            }
            ops.metrics.recordsRead(batch.count, bytes: 0)
            let now = monotonicSeconds()
            if now >= nextPoint {
                nextPoint = now + 0.5
                trainingMetrics.accuracy(overall: trainer.accuracy, recent: trainer.windowAccuracy)
                ops.board.addPoint(.init(t: StatusBoard.now(), records: Int64(trainer.position), value: trainer.windowAccuracy),
                                   metric: "accuracy over the last \(trainer.window) records")
            }
            if !quiet && now - lastReport >= (live ? 0.25 : max(0.5, operations.summaryInterval)) && (live || operations.summaryInterval > 0) {
                lastReport = now
                if live {
                    FileHandle.standardError.write(Data(("\r\u{1B}[K" + line()).utf8))
                } else {
                    log.info("\(line())", metadata: ["event": "progress", "records": "\(trainer.position)", "accuracy": .string(fixed(trainer.accuracy, 4)),
                                                    "drifts": "\(trainer.drifts)", "promotions": "\(trainer.promotions)"])
                }
            }
        }
        if let kafkaInput {
            let stop = StopSignal()
            let source = try KafkaBlockSource(kafkaInput, format: inputFormat, untilEnd: untilEnd, settings: settings, stop: stop)
            let waiter = GracefulStop(stop, logger: log, timeoutSeconds: operations.shutdownTimeout)
            Thread { waiter.wait(signals) }.start()
            ops.startSampling(deadLetters: letters, quiet: true)
            try forEachKafkaBatch(source, schema: schema, letters: letters, learn)
        } else {
            ops.startSampling(deadLetters: letters, quiet: true)
            try forEachBatch(schema: schema, format: inputFormat, letters: letters, learn)
        }
        ops.stop()
        let final = try trainer.finish()
        if let final { try publisher?.publish(final) }
        try publisher?.flush()
        if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if !quiet {
            var text = "sluice train: " + line()
            let counts = extractor.counts
            let skipped = counts.nullFeatureRows + counts.nullLabelRows + counts.unknownClassRows + letters.total
            if skipped > 0 {
                text += "\n  skipped \(skipped) records: \(letters.total) did not decode, \(counts.nullFeatureRows) had a null feature, \(counts.nullLabelRows) a null label"
            }
            text += "\n  classes \(classes), policy \(RetrainingPolicy(parsing: policy, holdout: holdout, replay: replay)!), drift detector \(drift)"
            text += "\n  registry \(self.registry): current version v\(final.map(String.init) ?? "-") (sluice models list --registry \(self.registry))"
            for t in trainer.triggers where t.failures > 0 { text += "\n  trigger \(t.action): \(t.failures) of \(t.fired) failed (last: \(t.lastError ?? ""))" }
            log.info("\(text)", metadata: ["event": "train_finished", "records": "\(trainer.position)", "accuracy": .string(fixed(trainer.accuracy, 4)),
                                           "drifts": "\(trainer.drifts)", "promotions": "\(trainer.promotions)"])
        }
    }

    /// Decodes a Kafka source's blocks on this thread, one batch each; commits after the last.
    private func forEachKafkaBatch(_ source: KafkaBlockSource, schema: Schema, letters: DeadLetters, _ body: (Batch) throws -> Void) throws {
        try source.open(schema: schema)
        let decoder = source.makeDecoder()
        try decoder.open(schema: schema)
        let block = Block(capacity: (1 << 20) + (64 << 10))
        let batch = Batch(schema: schema, capacity: 4096)
        while try source.next(into: block, maxLines: 4096) {
            guard block.lines > 0 else { continue }
            batch.reset()
            batch.sourceName = block.sourceName ?? source.name
            batch.recordBytes = UnsafeRawPointer(block.bytes)
            decoder.reposition(line: block.firstLine, offset: block.offset)
            _ = try decoder.decode(block.bytes, count: block.count, atEnd: true, into: batch, deadLetters: letters)
            batch.selectAll()
            try body(batch)
        }
        try source.commit()
    }

    private func forEachBatch(schema: Schema, format: RecordFormat, letters: DeadLetters, _ body: (Batch) throws -> Void) throws {
        let source = try FileSource(path: input, decoder: format.makeDecoder(csvHeader: true))
        try source.open(schema: schema)
        let batch = Batch(schema: schema, capacity: 4096)
        while true {
            batch.reset()
            guard try source.next(into: batch, deadLetters: letters) else { break }
            batch.selectAll()
            try body(batch)
        }
    }
}

/// Publishes saved model versions to a Kafka topic: the version's JSON document, keyed by its number.
final class ModelTopicPublisher {
    let endpoint: KafkaEndpoint
    let registry: ModelRegistry
    let producer: KafkaProducer

    init(_ endpoint: KafkaEndpoint, registry: ModelRegistry, settings: [String: String]) throws {
        self.endpoint = endpoint
        self.registry = registry
        producer = try KafkaProducer(bootstrapServers: endpoint.bootstrapServers, settings: settings)
    }

    func publish(_ version: Int) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(try registry.load(version)), as: UTF8.self)
        try producer.send(topic: endpoint.topic, key: String(version), value: json)
    }

    func flush() throws { try producer.flush() }
}
