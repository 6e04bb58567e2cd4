/// Online linear regression: `ŷ = w·z + b`, squared loss `½(ŷ - y)²`, an
/// optional ``OnlineStandardScaler`` in front.
///
/// **Why.** The baseline online regressor: one dot product per row, and it
/// follows a drifting target at the speed of its optimizer's learning rate.
///
/// **Contract.**
/// - The loss is `½(ŷ - y)²`, so the gradient is `(ŷ - y)·z` (River's
///   `Squared` loss is `(ŷ - y)²`: its learning rates are worth twice ours).
/// - With ``scaler``, a row is standardized with the statistics from *before*
///   it, both to predict and to learn (see ``OnlineStandardScaler``).
/// - ``learn(rows:targets:)`` is one optimizer step with the mean gradient of
///   the batch; one row is exactly ``learn(_:target:)``.
/// - The whole state is `Codable` as readable JSON; a decoded model predicts
///   bit-identically and continues learning identically.
public struct LinearRegression: OnlineRegressor, Equatable {
    public static let modelKind = "linear_regression"

    public let featureCount: Int
    public var featureNames: [String]?
    /// `featureCount` weights, then the intercept.
    public internal(set) var parameters: [Double]
    public var optimizer: any Optimizer
    public private(set) var scaler: OnlineStandardScaler?
    public private(set) var samplesLearned = 0
    private var gradientScratch: [Double]

    /// SGD at a constant 0.01 (River's default too). Adaptive optimizers move
    /// an intercept only about their rate per update, too slow for targets far
    /// from 0; SGD's steps scale with the error.
    public static var defaultOptimizer: any Optimizer { SGD(learningRate: .constant(0.01)) }

    public init(featureCount: Int, optimizer: any Optimizer = LinearRegression.defaultOptimizer, standardize: Bool = true,
                featureNames: [String]? = nil) {
        precondition(featureCount > 0)
        precondition(featureNames == nil || featureNames!.count == featureCount)
        self.featureCount = featureCount
        self.featureNames = featureNames
        self.parameters = Array(repeating: 0, count: featureCount + 1)
        self.optimizer = optimizer
        self.scaler = standardize ? OnlineStandardScaler(featureCount: featureCount) : nil
        self.gradientScratch = Array(repeating: 0, count: featureCount + 1)
    }

    public var weights: [Double] { Array(parameters[0..<featureCount]) }
    public var intercept: Double { parameters[featureCount] }

    /// Replaces the weights and intercept (a warm start).
    public mutating func setParameters(weights: [Double], intercept: Double) {
        precondition(weights.count == featureCount)
        parameters = weights + [intercept]
    }

    // MARK: Prediction

    public func predict(_ row: UnsafeBufferPointer<Double>) -> Double {
        precondition(row.count == featureCount)
        return withKernel { $0.logit(row.baseAddress!, output: 0) }
    }

    public func predict(rows: UnsafeBufferPointer<Double>, into predictions: UnsafeMutableBufferPointer<Double>) {
        precondition(rows.count % featureCount == 0)
        let d = featureCount, n = rows.count / d
        precondition(predictions.count >= n)
        guard n > 0 else { return }
        withKernel { k in
            for i in 0..<n { predictions[i] = k.logit(rows.baseAddress! + i * d, output: 0) }
        }
    }

    public func predict(_ row: [Double]) -> Double { row.withUnsafeBufferPointer { predict($0) } }

    // MARK: Learning

    public mutating func learn(_ row: UnsafeBufferPointer<Double>, target: Double) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 1) { t in
            t[0] = target
            learn(rows: row, targets: UnsafeBufferPointer(t))
        }
    }

    public mutating func learn(rows: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>) {
        precondition(rows.count == targets.count * featureCount, "rows must hold targets.count rows of featureCount values")
        guard !targets.isEmpty else { return }
        _ = step(rows: rows, targets: targets)
    }

    /// ``predict(_:)`` then ``learn(_:target:)`` in one pass (the gradient needs the prediction).
    public mutating func predictThenLearn(_ row: UnsafeBufferPointer<Double>, target: Double) -> Double {
        precondition(row.count == featureCount)
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 1) { t in
            t[0] = target
            return step(rows: row, targets: UnsafeBufferPointer(t))
        }
    }

    /// One optimizer step on the mean gradient; returns the last row's prediction.
    private mutating func step(rows: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>) -> Double {
        // Moved out so that no closure below captures `self` while reading it.
        var gradient: [Double] = []
        swap(&gradient, &gradientScratch)
        let prediction = gradient.withUnsafeMutableBufferPointer {
            Self.meanGradient(parameters: parameters, scaler: scaler, features: featureCount, rows: rows, targets: targets, into: $0)
        }
        if scaler != nil { scaler!.learn(rows: rows) }
        let regularized = featureCount
        parameters.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in optimizer.step(parameters: p, gradients: g, regularizedCount: regularized) }
        }
        samplesLearned += targets.count
        swap(&gradient, &gradientScratch)
        return prediction
    }

    public mutating func learn(_ row: [Double], target: Double) { row.withUnsafeBufferPointer { learn($0, target: target) } }

    // MARK: Loss and gradient

    /// Mean of `½(ŷ - y)²` over `rows`, at the current parameters and scaler statistics.
    public func loss(rows: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>) -> Double {
        let n = targets.count, d = featureCount
        precondition(rows.count == n * d && n > 0)
        return withKernel { k in
            var total = 0.0
            for i in 0..<n {
                let e = k.logit(rows.baseAddress! + i * d, output: 0) - targets[i]
                total += 0.5 * e * e
            }
            return total / Double(n)
        }
    }

    /// The mean gradient of the loss with respect to ``parameters``, without L2:
    /// what ``learn(rows:targets:)`` hands the optimizer.
    public func gradient(rows: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>) -> [Double] {
        var g = Array(repeating: 0.0, count: parameters.count)
        precondition(rows.count == targets.count * featureCount && !targets.isEmpty)
        _ = g.withUnsafeMutableBufferPointer {
            Self.meanGradient(parameters: parameters, scaler: scaler, features: featureCount, rows: rows, targets: targets, into: $0)
        }
        return g
    }

    /// The mean gradient over `rows` into `gradient`; returns the last row's prediction.
    private static func meanGradient(parameters: [Double], scaler: OnlineStandardScaler?, features d: Int,
                                     rows: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>,
                                     into gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        let n = targets.count
        let g = gradient.baseAddress!
        g.update(repeating: 0, count: gradient.count)
        let last = LinearKernel.with(parameters: parameters, scaler: scaler, features: d, outputs: 1) { k in
            var prediction = 0.0
            for i in 0..<n {
                let x = rows.baseAddress! + i &* d
                prediction = k.logit(x, output: 0)
                k.accumulate(x, error: prediction - targets[i], output: 0, into: g)
            }
            return prediction
        }
        if n > 1 {
            let scale = 1 / Double(n)
            for i in 0..<gradient.count { g[i] *= scale }
        }
        return last
    }

    @inline(__always)
    private func withKernel<R>(_ body: (LinearKernel) -> R) -> R {
        LinearKernel.with(parameters: parameters, scaler: scaler, features: featureCount, outputs: 1, body)
    }

    // MARK: Coding

    private enum CodingKeys: String, CodingKey {
        case model, featureCount, featureNames, weights, intercept, scaler, optimizer, samplesLearned
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
        let weights = try c.decode([Double].self, forKey: .weights)
        guard featureCount > 0, weights.count == featureCount, featureNames.map({ $0.count == featureCount }) ?? true else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "weights and feature names must match featureCount"))
        }
        parameters = weights + [try c.decode(Double.self, forKey: .intercept)]
        scaler = try c.decodeIfPresent(OnlineStandardScaler.self, forKey: .scaler)
        if let scaler, scaler.featureCount != featureCount {
            throw DecodingError.dataCorruptedError(forKey: .scaler, in: c, debugDescription: "scaler has \(scaler.featureCount) features, the model \(featureCount)")
        }
        optimizer = try OptimizerCoding.decode(from: c.superDecoder(forKey: .optimizer))
        samplesLearned = try c.decode(Int.self, forKey: .samplesLearned)
        gradientScratch = Array(repeating: 0, count: parameters.count)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.modelKind, forKey: .model)
        try c.encode(featureCount, forKey: .featureCount)
        try c.encodeIfPresent(featureNames, forKey: .featureNames)
        try c.encode(weights, forKey: .weights)
        try c.encode(intercept, forKey: .intercept)
        try c.encode(scaler, forKey: .scaler)
        try OptimizerCoding.encode(optimizer, to: c.superEncoder(forKey: .optimizer))
        try c.encode(samplesLearned, forKey: .samplesLearned)
    }

    public static func == (a: LinearRegression, b: LinearRegression) -> Bool {
        a.featureCount == b.featureCount && a.featureNames == b.featureNames && a.parameters == b.parameters
            && a.scaler == b.scaler && a.samplesLearned == b.samplesLearned && OptimizerCoding.equal(a.optimizer, b.optimizer)
    }
}
