#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Online logistic regression: binary (sigmoid of one linear function) for
/// two classes, multinomial (softmax over one linear function per class) for
/// more; log loss; an intercept per output; an optional
/// ``OnlineStandardScaler`` in front.
///
/// **Why.** The workhorse online classifier: cheap (a dot product per class
/// per row), calibrated probabilities, and it tracks a drifting concept at a
/// speed set by the optimizer's learning rate.
///
/// **Contract.**
/// - Binary (`classes.count == 2`): one weight row; `P(class 1) = σ(w·z + b)`.
///   Multinomial (`k > 2`): `k` weight rows; `P(c) = softmax(W z + b)_c`.
/// - With ``scaler``, a row is standardized with the statistics from *before*
///   it, both to predict and to learn (see ``OnlineStandardScaler``); learning
///   updates the statistics after the gradient is taken.
/// - ``learn(rows:labels:)`` is one optimizer step with the mean gradient of
///   the batch; one row is exactly ``learn(_:label:)``. The predicted class
///   is the most probable, the lower index on a tie.
/// - Hot paths are loops over raw buffers; nothing is allocated per row
///   (`[Double]` conveniences aside).
/// - The whole state is `Codable` as readable JSON: weights per output row,
///   intercepts, classes, scaler statistics, optimizer and its state. A
///   decoded model predicts bit-identically and continues learning
///   identically.
public struct LogisticRegression: OnlineClassifier, Equatable {
    public static let modelKind = "logistic_regression"

    public let featureCount: Int
    public let classes: ClassLabels
    /// The feature columns, in input order, when known: lets a saved model
    /// rebuild its ``FeatureExtractor``.
    public var featureNames: [String]?
    /// Weight rows: 1 (binary) or the class count (multinomial).
    public let outputCount: Int
    /// Weights (`outputCount` rows of `featureCount`, row-major), then `outputCount` intercepts.
    public internal(set) var parameters: [Double]
    public var optimizer: any Optimizer
    /// Standardizes inputs; `nil` when the model was made with `standardize: false`.
    public private(set) var scaler: OnlineStandardScaler?
    public private(set) var samplesLearned = 0

    /// Scratch: gradient (one per parameter) and probabilities (one per class). Not part of the state.
    private var gradientScratch: [Double]
    private var probabilityScratch: [Double]

    /// The optimizer models get unless told otherwise: Adam at a constant
    /// 0.02: the best mean prequential accuracy over four River datasets
    /// (Benchmarks/ml/sweep_defaults.sh), not tuned on one.
    public static var defaultOptimizer: any Optimizer { Adam(learningRate: .constant(0.02)) }

    /// - Parameters:
    ///   - featureCount: values per row.
    ///   - classes: the class labels (two for binary); default `0, 1`.
    ///   - optimizer: default ``defaultOptimizer``.
    ///   - standardize: put an ``OnlineStandardScaler`` in front (default true).
    public init(featureCount: Int, classes: ClassLabels = ClassLabels(count: 2), optimizer: any Optimizer = LogisticRegression.defaultOptimizer,
                standardize: Bool = true, featureNames: [String]? = nil) {
        precondition(featureCount > 0 && classes.count >= 2, "logistic regression needs features and at least two classes")
        precondition(featureNames == nil || featureNames!.count == featureCount)
        self.featureCount = featureCount
        self.classes = classes
        self.featureNames = featureNames
        self.outputCount = classes.count == 2 ? 1 : classes.count
        self.parameters = Array(repeating: 0, count: outputCount * (featureCount + 1))
        self.optimizer = optimizer
        self.scaler = standardize ? OnlineStandardScaler(featureCount: featureCount) : nil
        self.gradientScratch = Array(repeating: 0, count: parameters.count)
        self.probabilityScratch = Array(repeating: 0, count: classes.count)
    }

    public var classCount: Int { classes.count }
    public var isBinary: Bool { outputCount == 1 }
    /// Weight rows (a copy): row `c` is class `c`'s (binary: the one row, for class 1).
    public var weights: [[Double]] {
        (0..<outputCount).map { Array(parameters[$0 * featureCount..<($0 + 1) * featureCount]) }
    }
    public var intercepts: [Double] { Array(parameters[(outputCount * featureCount)...]) }

    /// Replaces weights and intercepts (a warm start); the shapes must match.
    public mutating func setParameters(weights: [[Double]], intercepts: [Double]) {
        precondition(weights.count == outputCount && weights.allSatisfy { $0.count == featureCount } && intercepts.count == outputCount)
        parameters = weights.flatMap { $0 } + intercepts
    }

    // MARK: Prediction

    public func predictProbabilities(_ row: UnsafeBufferPointer<Double>, into probabilities: UnsafeMutableBufferPointer<Double>) {
        precondition(row.count == featureCount && probabilities.count >= classCount)
        withKernel { k in Self.probabilities(k, row.baseAddress!, into: probabilities.baseAddress!, classes: classCount) }
    }

    public func predictProbabilities(rows: UnsafeBufferPointer<Double>, into probabilities: UnsafeMutableBufferPointer<Double>) {
        precondition(rows.count % featureCount == 0)
        let n = rows.count / featureCount, d = featureCount, k = classCount
        precondition(probabilities.count >= n * k)
        guard n > 0 else { return }
        withKernel { kernel in
            for i in 0..<n { Self.probabilities(kernel, rows.baseAddress! + i * d, into: probabilities.baseAddress! + i * k, classes: k) }
        }
    }

    /// The most probable class index for one row.
    public func predict(_ row: UnsafeBufferPointer<Double>) -> Int {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: classCount) { p in
            predictProbabilities(row, into: p)
            return Self.argmax(UnsafeBufferPointer(p))
        }
    }

    /// `P(class 1)` for a binary model.
    public func probabilityOfClass1(_ row: UnsafeBufferPointer<Double>) -> Double {
        precondition(isBinary && row.count == featureCount)
        return withKernel { k in Self.sigmoid(k.logit(row.baseAddress!, output: 0)) }
    }

    public func predictProbabilities(_ row: [Double]) -> [Double] {
        var out = Array(repeating: 0.0, count: classCount)
        row.withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { predictProbabilities(r, into: $0) } }
        return out
    }

    public func predict(_ row: [Double]) -> Int { row.withUnsafeBufferPointer { predict($0) } }

    // MARK: Learning

    public mutating func learn(_ row: UnsafeBufferPointer<Double>, label: Int) {
        precondition(row.count == featureCount)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 1) { l in
            l[0] = Int32(label)
            learn(rows: row, labels: UnsafeBufferPointer(l))
        }
    }

    public mutating func learn(rows: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Int32>) {
        precondition(rows.count == labels.count * featureCount, "rows must hold labels.count rows of featureCount values")
        guard !labels.isEmpty else { return }
        step(rows: rows, labels: labels, probabilities: nil)
    }

    /// Predicts one row into `probabilities`, then learns it: exactly
    /// ``predictProbabilities(_:into:)`` followed by ``learn(_:label:)``, in one
    /// pass (the gradient needs the same probabilities the prediction gives).
    public mutating func predictThenLearn(_ row: UnsafeBufferPointer<Double>, label: Int, probabilities: UnsafeMutableBufferPointer<Double>) {
        precondition(row.count == featureCount && probabilities.count >= classCount)
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 1) { l in
            l[0] = Int32(label)
            step(rows: row, labels: UnsafeBufferPointer(l), probabilities: probabilities.baseAddress!)
        }
    }

    /// One optimizer step on the mean gradient of `rows`; with one row, also
    /// writes its predicted probabilities to `probabilities` if given.
    private mutating func step(rows: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Int32>, probabilities out: UnsafeMutablePointer<Double>?) {
        // The scratch arrays are moved out so that no closure below captures `self`
        // while reading it (which would copy the whole model).
        var gradient: [Double] = [], probabilities: [Double] = []
        swap(&gradient, &gradientScratch)
        swap(&probabilities, &probabilityScratch)
        gradient.withUnsafeMutableBufferPointer { g in
            probabilities.withUnsafeMutableBufferPointer { p in
                Self.meanGradient(parameters: parameters, scaler: scaler, features: featureCount, outputs: outputCount,
                                  rows: rows, labels: labels, into: g, probabilities: p, output: out)
            }
        }
        if scaler != nil { scaler!.learn(rows: rows) }
        let regularized = outputCount * featureCount
        parameters.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in optimizer.step(parameters: p, gradients: g, regularizedCount: regularized) }
        }
        samplesLearned += labels.count
        swap(&gradient, &gradientScratch)
        swap(&probabilities, &probabilityScratch)
    }

    public mutating func learn(_ row: [Double], label: Int) { row.withUnsafeBufferPointer { learn($0, label: label) } }

    // MARK: Loss and gradient

    /// Mean log loss of `rows` at the current parameters and scaler statistics (no L2 term).
    public func loss(rows: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Int32>) -> Double {
        let n = labels.count, d = featureCount, m = outputCount
        precondition(rows.count == n * d && n > 0)
        return withKernel { k in
            var total = 0.0
            for i in 0..<n {
                let x = rows.baseAddress! + i * d, y = Int(labels[i])
                if m == 1 {
                    let l = k.logit(x, output: 0)
                    // log(1 + e^l) - y l, stably.
                    total += max(l, 0) - (y == 1 ? l : 0) + log1p(exp(-abs(l)))
                } else {
                    var top = -Double.infinity
                    for c in 0..<m { top = max(top, k.logit(x, output: c)) }
                    var sum = 0.0
                    for c in 0..<m { sum += exp(k.logit(x, output: c) - top) }
                    total += top + log(sum) - k.logit(x, output: y)
                }
            }
            return total / Double(n)
        }
    }

    /// The mean gradient of the log loss over `rows` with respect to ``parameters``
    /// (same layout), at the current parameters and scaler statistics, without L2:
    /// what ``learn(rows:labels:)`` hands the optimizer.
    public func gradient(rows: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Int32>) -> [Double] {
        var g = Array(repeating: 0.0, count: parameters.count)
        var p = Array(repeating: 0.0, count: classCount)
        precondition(rows.count == labels.count * featureCount && !labels.isEmpty)
        g.withUnsafeMutableBufferPointer { gb in
            p.withUnsafeMutableBufferPointer { pb in
                Self.meanGradient(parameters: parameters, scaler: scaler, features: featureCount, outputs: outputCount,
                                  rows: rows, labels: labels, into: gb, probabilities: pb, output: nil)
            }
        }
        return g
    }

    /// The mean gradient over `rows` into `gradient`; `probabilities` is scratch for the
    /// class count. With `output`, the (single) row's probabilities are copied there.
    private static func meanGradient(parameters: [Double], scaler: OnlineStandardScaler?, features d: Int, outputs m: Int,
                                     rows: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Int32>,
                                     into gradient: UnsafeMutableBufferPointer<Double>, probabilities: UnsafeMutableBufferPointer<Double>,
                                     output: UnsafeMutablePointer<Double>?) {
        let n = labels.count, k = probabilities.count
        let g = gradient.baseAddress!, p = probabilities.baseAddress!
        g.update(repeating: 0, count: gradient.count)
        LinearKernel.with(parameters: parameters, scaler: scaler, features: d, outputs: m) { kernel in
            for i in 0..<n {
                let x = rows.baseAddress! + i &* d
                let y = Int(labels[i])
                precondition(y >= 0 && y < k, "label \(y) is not a class index (0..<\(k))")
                if m == 1 {
                    let prob = sigmoid(kernel.logit(x, output: 0))
                    if let output {
                        output[0] = 1 - prob
                        output[1] = prob
                    }
                    kernel.accumulate(x, error: prob - (y == 1 ? 1 : 0), output: 0, into: g)
                } else {
                    Self.probabilities(kernel, x, into: p, classes: k)
                    output?.update(from: p, count: k)
                    for c in 0..<m { kernel.accumulate(x, error: p[c] - (c == y ? 1 : 0), output: c, into: g) }
                }
            }
        }
        if n > 1 {
            let scale = 1 / Double(n)
            for i in 0..<gradient.count { g[i] *= scale }
        }
    }

    // MARK: Kernels

    @inline(__always)
    private func withKernel<R>(_ body: (LinearKernel) -> R) -> R {
        LinearKernel.with(parameters: parameters, scaler: scaler, features: featureCount, outputs: outputCount, body)
    }

    @inline(__always)
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    @inline(__always)
    private static func probabilities(_ kernel: LinearKernel, _ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, classes k: Int) {
        if kernel.outputs == 1 {
            let p = sigmoid(kernel.logit(x, output: 0))
            out[0] = 1 - p
            out[1] = p
            return
        }
        var top = -Double.infinity
        for c in 0..<k {
            out[c] = kernel.logit(x, output: c)
            top = max(top, out[c])
        }
        var sum = 0.0
        for c in 0..<k {
            out[c] = exp(out[c] - top)
            sum += out[c]
        }
        let inverse = 1 / sum
        for c in 0..<k { out[c] *= inverse }
    }

    static func argmax(_ p: UnsafeBufferPointer<Double>) -> Int {
        var best = 0
        for c in 1..<p.count where p[c] > p[best] { best = c }
        return best
    }

    // MARK: Coding

    private enum CodingKeys: String, CodingKey {
        case model, featureCount, featureNames, classes, weights, intercepts, scaler, optimizer, samplesLearned
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .model)
        guard kind == Self.modelKind else {
            throw DecodingError.dataCorruptedError(forKey: .model, in: c, debugDescription: "expected a \(Self.modelKind), found '\(kind)'")
        }
        let featureCount = try c.decode(Int.self, forKey: .featureCount)
        let featureNames = try c.decodeIfPresent([String].self, forKey: .featureNames)
        self.featureCount = featureCount
        self.featureNames = featureNames
        let classes = try c.decode(ClassLabels.self, forKey: .classes)
        let outputCount = classes.count == 2 ? 1 : classes.count
        self.classes = classes
        self.outputCount = outputCount
        let weights = try c.decode([[Double]].self, forKey: .weights)
        let intercepts = try c.decode([Double].self, forKey: .intercepts)
        guard featureCount > 0, classes.count >= 2, weights.count == outputCount, weights.allSatisfy({ $0.count == featureCount }),
              intercepts.count == outputCount, featureNames.map({ $0.count == featureCount }) ?? true else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "weights, intercepts and feature names must match featureCount and the classes"))
        }
        parameters = weights.flatMap { $0 } + intercepts
        scaler = try c.decodeIfPresent(OnlineStandardScaler.self, forKey: .scaler)
        if let scaler, scaler.featureCount != featureCount {
            throw DecodingError.dataCorruptedError(forKey: .scaler, in: c, debugDescription: "scaler has \(scaler.featureCount) features, the model \(featureCount)")
        }
        optimizer = try OptimizerCoding.decode(from: c.superDecoder(forKey: .optimizer))
        samplesLearned = try c.decode(Int.self, forKey: .samplesLearned)
        gradientScratch = Array(repeating: 0, count: parameters.count)
        probabilityScratch = Array(repeating: 0, count: classes.count)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.modelKind, forKey: .model)
        try c.encode(featureCount, forKey: .featureCount)
        try c.encodeIfPresent(featureNames, forKey: .featureNames)
        try c.encode(classes, forKey: .classes)
        try c.encode(weights, forKey: .weights)
        try c.encode(intercepts, forKey: .intercepts)
        try c.encode(scaler, forKey: .scaler)
        try OptimizerCoding.encode(optimizer, to: c.superEncoder(forKey: .optimizer))
        try c.encode(samplesLearned, forKey: .samplesLearned)
    }

    /// Equal state: parameters, scaler, classes, counts, and the optimizer's encoded state.
    public static func == (a: LogisticRegression, b: LogisticRegression) -> Bool {
        a.featureCount == b.featureCount && a.classes == b.classes && a.featureNames == b.featureNames
            && a.parameters == b.parameters && a.scaler == b.scaler && a.samplesLearned == b.samplesLearned
            && OptimizerCoding.equal(a.optimizer, b.optimizer)
    }
}
