import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceFiles
import SluiceML

/// `sluice bench-ml`: how fast the online models learn, single-threaded, and
/// (with `--phishing`) how well: the prequential accuracy of standardized
/// logistic regression on a CSV, the comparison `Benchmarks/ml/phishing.py`
/// makes against River. Prints figures; it is not a timed test.
///
/// The synthetic data (dense Gaussian features, labels from a known logistic
/// model) is generated before any clock starts; every figure is one pass over
/// it with a fresh model, on the calling thread.
struct BenchMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-ml",
        abstract: "Benchmark online learning: samples/s of logistic regression; prequential accuracy on a CSV.",
        discussion: """
        Build with `swift build -c release` first: debug builds are 10-50x slower. \
        --phishing takes the CSV written by Benchmarks/ml/phishing.py (features, then the label as the last column).
        """)

    @Option(help: "Synthetic samples (rows) to learn from.")
    var samples: Int = 2_000_000

    @Option(help: "Dense features per row.")
    var features: Int = 10

    @Option(help: "Rows per mini-batch in the mini-batch figure.")
    var miniBatch: Int = 32

    @Option(help: "Rows per columnar batch in the end-to-end (Batch → FeatureExtractor → prequential) figure.")
    var batchSize: Int = 4096

    @Option(help: "Optimizer: adam, sgd or adagrad (default: the model's default, Adam at 0.02).")
    var optimizer: String?

    @Option(help: "Constant learning rate for --optimizer.")
    var learningRate: Double?

    @Option(name: [.customLong("phishing"), .customLong("csv")],
            help: "A CSV with a header: numeric features, the class label last (or --label). Runs standardized logistic regression prequentially on it.")
    var phishing: String?

    @Option(help: "The label column of --phishing (default: the last column).")
    var label: String?

    @Option(help: "Passes over --phishing, each with a fresh model, for a stable samples/s (accuracy is the same every pass).")
    var repeats: Int = 200

    @Flag(help: "Skip the synthetic figures (with --phishing).")
    var skipSynthetic = false

    func run() throws {
        guard samples > 0, features > 0, miniBatch > 0, batchSize > 0, repeats > 0 else {
            throw ValidationError("--samples, --features, --mini-batch, --batch-size and --repeats must be positive")
        }
        let chosen = try makeOptimizer()
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        if !skipSynthetic { try synthetic(chosen) }
        if let phishing { try prequentialCSV(phishing, chosen) }
    }

    func makeOptimizer() throws -> (any Optimizer)? {
        guard let name = optimizer else {
            if learningRate != nil { throw ValidationError("--learning-rate needs --optimizer") }
            return nil
        }
        let rate = learningRate.map { LearningRate.constant($0) }
        switch name {
        case "adam": return rate.map { Adam(learningRate: $0) } ?? Adam()
        case "sgd": return rate.map { SGD(learningRate: $0) } ?? SGD()
        case "adagrad": return rate.map { AdaGrad(learningRate: $0) } ?? AdaGrad()
        default: throw ValidationError("--optimizer: '\(name)' is not adam, sgd or adagrad")
        }
    }

    func newModel(_ optimizer: (any Optimizer)?, featureCount: Int, classes: ClassLabels = ClassLabels(count: 2)) -> LogisticRegression {
        LogisticRegression(featureCount: featureCount, classes: classes, optimizer: optimizer ?? LogisticRegression.defaultOptimizer)
    }

    // MARK: Synthetic throughput

    func synthetic(_ optimizer: (any Optimizer)?) throws {
        let n = samples, d = features
        printError("generating \(n) samples of \(d) features ...")
        var rng = Random(seed: 42)
        // Known weights of alternating sign, 0.3 to 0.9 in size.
        let truth: [Double] = (0..<d).map { (j: Int) -> Double in
            let sign: Double = j % 2 == 0 ? 1 : -1
            return sign * (0.3 + 0.2 * Double(j % 4))
        }
        var rows = [Double](repeating: 0, count: n * d)
        var labels = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            var z = 0.2
            for j in 0..<d {
                let x = rng.gaussian()
                rows[i * d + j] = x
                z += truth[j] * x
            }
            let p: Double = 1 / (1 + Foundation.exp(-z))
            labels[i] = rng.uniform() < p ? 1 : 0
        }
        let optimizerName = describe(optimizer ?? LogisticRegression.defaultOptimizer)
        print("sluice bench-ml: binary logistic regression, \(d) dense features, \(n) samples, standardized, \(optimizerName), one thread")

        rows.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { y in
                // 1. Learning one row at a time.
                var model = newModel(optimizer, featureCount: d)
                var start = Timing.now()
                for i in 0..<n { model.learn(UnsafeBufferPointer(start: x.baseAddress! + i * d, count: d), label: Int(y[i])) }
                var seconds = Timing.now() - start
                report("learn, one row at a time", n, seconds, detail: "weight[0] \(fixed(model.weights[0][0], 3))")

                // 2. Mini-batches (one step per batch, mean gradient).
                model = newModel(optimizer, featureCount: d)
                start = Timing.now()
                var i = 0
                while i < n {
                    let m = min(miniBatch, n - i)
                    model.learn(rows: UnsafeBufferPointer(start: x.baseAddress! + i * d, count: m * d), labels: UnsafeBufferPointer(start: y.baseAddress! + i, count: m))
                    i += m
                }
                seconds = Timing.now() - start
                report("learn, mini-batches of \(miniBatch)", n, seconds, detail: "weight[0] \(fixed(model.weights[0][0], 3))")

                // 3. Prediction alone, with the model just trained.
                var probabilities = [Double](repeating: 0, count: min(n, 65_536) * 2)
                start = Timing.now()
                var checksum = 0.0
                probabilities.withUnsafeMutableBufferPointer { p in
                    var i = 0
                    while i < n {
                        let m = min(p.count / 2, n - i)
                        model.predictProbabilities(rows: UnsafeBufferPointer(start: x.baseAddress! + i * d, count: m * d),
                                                   into: UnsafeMutableBufferPointer(rebasing: p[0..<(2 * m)]))
                        checksum += p[1]
                        i += m
                    }
                }
                seconds = Timing.now() - start
                report("predict probabilities", n, seconds, detail: "checksum \(fixed(checksum, 3))")

                // 4. Prequential: predict, score (accuracy, log loss, ROC AUC), learn — per row.
                let evaluator = PrequentialEvaluator(model: newModel(optimizer, featureCount: d))
                start = Timing.now()
                evaluator.process(rows: x, labels: y)
                seconds = Timing.now() - start
                let r = evaluator.report
                report("prequential (predict, score, learn)", n, seconds,
                       detail: "accuracy \(percent(r.accuracy?.overall)), ROC AUC \(fixed(r.rocAUC?.overall ?? .nan, 4))")
            }
        }

        // 5. End to end from columnar batches: FeatureExtractor, then prequential.
        let names = (0..<d).map { "f\($0)" }
        let schema = Schema(names.map { Field($0, .float64) } + [Field("label", .int64)])
        var batches: [Batch] = []
        var i = 0
        while i < n {
            let m = min(batchSize, n - i)
            let batch = Batch(schema: schema, capacity: m)
            for j in 0..<d {
                let column = batch.columns[j].float64
                for r in 0..<m { column[r] = rows[(i + r) * d + j] }
            }
            for r in 0..<m { batch.columns[d].int64[r] = Int64(labels[i + r]) }
            batch.count = m
            batch.selectAll()
            batches.append(batch)
            i += m
        }
        rows = []
        labels = []
        let classes = ClassLabels(count: 2)
        let extractor = FeatureExtractor(features: names, target: .classification(column: "label", classes: classes), capacity: batchSize)
        let evaluator = PrequentialEvaluator(model: newModel(optimizer, featureCount: d, classes: classes), extractor: extractor)
        let start = Timing.now()
        for batch in batches { try evaluator.process(batch) }
        let seconds = Timing.now() - start
        report("batches → extractor → prequential", n, seconds,
               detail: "batches of \(batchSize), accuracy \(percent(evaluator.report.accuracy?.overall))")
    }

    // MARK: Prequential accuracy on a CSV

    func prequentialCSV(_ path: String, _ optimizer: (any Optimizer)?) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RuntimeError("cannot read \(path)") }
        let head = handle.readData(ofLength: 64 * 1024)
        try? handle.close()
        guard let headerLine = String(decoding: head, as: UTF8.self).split(maxSplits: 1, whereSeparator: \.isNewline).first else {
            throw RuntimeError("\(path) has no header line")
        }
        let names = headerLine.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        }
        let labelName = label ?? names.last ?? ""
        guard names.contains(labelName), names.count >= 2 else { throw ValidationError("--label: no column '\(labelName)' in \(path)") }
        let featureNames = names.filter { $0 != labelName }
        // Labels are read as strings, so any label column works; classes are sorted (numerically when they are numbers).
        let schema = Schema(names.map { Field($0, $0 == labelName ? .string : .float64) })

        let decodeStart = monotonicSeconds()
        let letters = DeadLetters(sink: nil)
        let source = try FileSource(path: path, decoder: CSVDecoder())
        try source.open(schema: schema)
        var batches: [Batch] = []
        var labelValues = Set<String>()
        let labelSlot = schema.index(of: labelName)!
        while true {
            let batch = Batch(schema: schema, capacity: 4096)
            guard try source.next(into: batch, deadLetters: letters) else { break }
            batch.selectAll()
            let column = batch.columns[labelSlot]
            for r in 0..<batch.count where column.isValid(r) { labelValues.insert(batch.arena.string(column.strings[r])) }
            batches.append(batch)
        }
        let decodeSeconds = monotonicSeconds() - decodeStart
        let rowCount = batches.reduce(0) { $0 + $1.count }
        guard letters.total == 0 else { throw RuntimeError("\(path): \(letters.total) records could not be decoded as numbers") }
        guard labelValues.count >= 2 else { throw RuntimeError("\(path): the label column '\(labelName)' has fewer than two classes") }
        let sortedLabels = labelValues.sorted { a, b in
            if let x = Double(a), let y = Double(b) { return x < y }
            return a < b
        }
        let classes = ClassLabels(sortedLabels.map { .string($0) })

        var report: PrequentialReport?
        var model: LogisticRegression?
        let start = Timing.now()
        for _ in 0..<repeats {
            let extractor = FeatureExtractor(features: featureNames, target: .classification(column: labelName, classes: classes))
            let evaluator = PrequentialEvaluator(model: newModel(optimizer, featureCount: featureNames.count, classes: classes), extractor: extractor)
            for batch in batches { try evaluator.process(batch) }
            report = evaluator.report
            model = evaluator.model
        }
        let seconds = Timing.now() - start
        guard let report, let model else { return }
        let kind = classes.count == 2 ? "binary" : "\(classes.count)-class"
        print("sluice bench-ml --phishing \(path): \(rowCount) rows, \(featureNames.count) features, label '\(labelName)' \(classes)")
        print("  model     StandardScaler → LogisticRegression (\(kind)), \(describe(model.optimizer)), prequential (predict, then learn, per row)")
        print("  accuracy  \(percent(report.accuracy?.overall))   (last \(report.windowSize) rows: \(percent(report.accuracy?.window)))")
        print("  log loss  \(fixed(report.logLoss?.overall ?? .nan, 4))" + (report.rocAUC.map { "   ROC AUC \(fixed($0.overall ?? .nan, 4))" } ?? ""))
        let total = Double(rowCount * repeats)
        print("  speed     \(formatRate(total / seconds.wall)) samples/s [CPU: \(formatRate(total / seconds.cpu)) samples/s]   (\(repeats) passes over \(rowCount) rows in \(fixed(seconds.wall, 3)) s; decoding the CSV once took \(fixed(decodeSeconds * 1000, 1)) ms)")
        if report.skippedRows > 0 { print("  skipped   \(report.skippedRows) rows with nulls") }
    }

    // MARK: Output

    func report(_ what: String, _ n: Int, _ elapsed: Timing, detail: String) {
        let padded = what.padding(toLength: 38, withPad: " ", startingAt: 0)
        let rate = formatRate(Double(n) / elapsed.wall).padding(toLength: 8, withPad: " ", startingAt: 0)
        print("  \(padded) \(rate) samples/s   \(fixed(elapsed.wall * 1e9 / Double(n), 1)) ns/sample   [CPU: \(formatRate(Double(n) / elapsed.cpu)) samples/s]   (\(detail))")
    }

    func percent(_ x: Double?) -> String { x.map { fixed($0 * 100, 2) + " %" } ?? "n/a" }

    func describe(_ optimizer: any Optimizer) -> String {
        var text = "\(type(of: optimizer).kind) \(optimizer.learningRate)"
        if optimizer.l2 > 0 { text += ", L2 \(optimizer.l2)" }
        return text
    }

    /// Wall-clock and this thread's CPU time, so figures from a busy machine can be
    /// told apart from the code's speed (CPU time excludes waiting for a core).
    struct Timing {
        var wall: Double
        var cpu: Double

        static func now() -> Timing {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Timing(wall: monotonicSeconds(), cpu: Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9)
        }

        static func - (a: Timing, b: Timing) -> Timing { Timing(wall: a.wall - b.wall, cpu: a.cpu - b.cpu) }
    }

    /// SplitMix64 with Box–Muller Gaussians: the benchmark's own deterministic data.
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
        mutating func gaussian() -> Double {
            let u = Swift.max(uniform(), 1e-300), v = uniform()
            return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
        }
    }
}
