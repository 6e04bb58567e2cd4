#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standardizes features online: `z = (x - mean) / std`, with the running
/// mean and (population) variance of every feature kept by Welford's update.
/// (Computed as `(x - mean) * scale` with `scale = 1 / std` cached per learned
/// row: a multiply per feature on the hot path instead of a square root and a division.)
///
/// **Why.** Gradient-based online models learn badly from features on very
/// different scales, and a stream has no "fit on the training set first".
/// The scaler learns the statistics from the same rows the model learns from.
///
/// **Order contract.** ``transform(_:into:)`` uses the statistics as they are:
/// a model wrapping the scaler (``LogisticRegression``, ``LinearRegression``)
/// transforms a row with the statistics *before* learning that row, both to
/// predict and to learn, and only then updates them. So in a prequential
/// (test-then-train) run the model learns from exactly the values it was
/// evaluated on, each row is transformed once, and a prediction never uses
/// the row's own statistics. River's `StandardScaler` in a pipeline predicts
/// the same way; when *learning* it updates the statistics first and then
/// transforms, so its training inputs differ slightly (the first row of a
/// stream, for instance, is all zeros for both predict and learn here).
///
/// A feature with zero variance (so far) transforms to 0, like River.
///
/// **Mini-batches.** ``learn(rows:)`` applies the one-row update to each row
/// in order, so it is bit-identical to calling ``learn(_:)`` row by row.
///
/// Codable: `count`, `means`, `variances` (the reciprocal standard
/// deviations are derived, and recomputed identically on decoding).
public struct OnlineStandardScaler: Sendable, Hashable, Codable {
    public let featureCount: Int
    /// Rows learned.
    public private(set) var count: Int = 0
    public private(set) var means: [Double]
    /// Population variances (divided by `count`).
    public private(set) var variances: [Double]
    /// `1 / sqrt(variance)`, or 0 for a zero variance: what `transform` multiplies by.
    public private(set) var scales: [Double]

    public init(featureCount: Int) {
        precondition(featureCount > 0)
        self.featureCount = featureCount
        means = Array(repeating: 0, count: featureCount)
        variances = Array(repeating: 0, count: featureCount)
        scales = Array(repeating: 0, count: featureCount)
    }

    /// Standardizes one row (`featureCount` values) into `output` with the current statistics.
    public func transform(_ row: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        precondition(row.count == featureCount && output.count >= featureCount)
        means.withUnsafeBufferPointer { m in
            scales.withUnsafeBufferPointer { s in
                Self.transform(row.baseAddress!, into: output.baseAddress!, means: m.baseAddress!, scales: s.baseAddress!, count: featureCount)
            }
        }
    }

    /// Standardizes `rows.count / featureCount` rows with the current statistics.
    public func transform(rows: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        precondition(rows.count % featureCount == 0 && output.count >= rows.count)
        let d = featureCount
        means.withUnsafeBufferPointer { m in
            scales.withUnsafeBufferPointer { s in
                for i in 0..<(rows.count / d) {
                    Self.transform(rows.baseAddress! + i * d, into: output.baseAddress! + i * d, means: m.baseAddress!, scales: s.baseAddress!, count: d)
                }
            }
        }
    }

    /// Convenience for tests and slow paths.
    public func transform(_ row: [Double]) -> [Double] {
        var out = Array(repeating: 0.0, count: featureCount)
        row.withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { transform(r, into: $0) } }
        return out
    }

    @inline(__always)
    static func transform(_ x: UnsafePointer<Double>, into z: UnsafeMutablePointer<Double>, means: UnsafePointer<Double>,
                          scales: UnsafePointer<Double>, count: Int) {
        for j in 0..<count { z[j] = (x[j] - means[j]) * scales[j] }
    }

    /// Learns one row.
    public mutating func learn(_ row: UnsafeBufferPointer<Double>) {
        precondition(row.count == featureCount)
        learn(rows: row)
    }

    /// Learns `rows.count / featureCount` rows in order; identical to learning them one by one.
    public mutating func learn(rows: UnsafeBufferPointer<Double>) {
        precondition(rows.count % featureCount == 0)
        let d = featureCount
        let n = rows.count / d
        guard n > 0 else { return }
        var count = self.count
        means.withUnsafeMutableBufferPointer { m in
            variances.withUnsafeMutableBufferPointer { v in
                for i in 0..<n {
                    count += 1
                    Self.update(rows.baseAddress! + i * d, means: m.baseAddress!, variances: v.baseAddress!, count: count, features: d)
                }
            }
        }
        self.count = count
        refreshScales()
    }

    /// Convenience for tests and slow paths.
    public mutating func learn(_ row: [Double]) {
        row.withUnsafeBufferPointer { learn($0) }
    }

    /// Welford's update in the form River uses, on the population variance
    /// directly (multiplying by `1/n` rather than dividing, once per row).
    @inline(__always)
    static func update(_ x: UnsafePointer<Double>, means: UnsafeMutablePointer<Double>, variances: UnsafeMutablePointer<Double>,
                       count: Int, features: Int) {
        let inverse = 1 / Double(count)
        for j in 0..<features {
            let old = means[j]
            let mean = old + (x[j] - old) * inverse
            means[j] = mean
            variances[j] += ((x[j] - old) * (x[j] - mean) - variances[j]) * inverse
        }
    }

    private mutating func refreshScales() {
        let d = featureCount
        variances.withUnsafeBufferPointer { v in
            scales.withUnsafeMutableBufferPointer { s in
                for j in 0..<d {
                    let r = 1 / sqrt(v[j])
                    s[j] = v[j] > 0 ? r : 0
                }
            }
        }
    }

    private enum CodingKeys: String, CodingKey { case featureCount, count, means, variances }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        featureCount = try c.decode(Int.self, forKey: .featureCount)
        count = try c.decode(Int.self, forKey: .count)
        means = try c.decode([Double].self, forKey: .means)
        variances = try c.decode([Double].self, forKey: .variances)
        guard featureCount > 0, means.count == featureCount, variances.count == featureCount, count >= 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "scaler statistics do not match featureCount"))
        }
        scales = Array(repeating: 0, count: featureCount)
        refreshScales()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(featureCount, forKey: .featureCount)
        try c.encode(count, forKey: .count)
        try c.encode(means, forKey: .means)
        try c.encode(variances, forKey: .variances)
    }
}
