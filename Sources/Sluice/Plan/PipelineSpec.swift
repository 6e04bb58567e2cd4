/// A pipeline as data: the logical plan, `Codable` as JSON or YAML.
///
/// The Swift DSL (``Pipeline``) builds exactly this value, and `sluice run
/// --spec FILE` decodes it, so both front ends meet in one plan:
///
/// ```yaml
/// name: sensor-features
/// schema:
///   - {name: sensor_id, type: string}
///   - {name: ts, type: int64}
/// steps:
///   - clean:
///       - require: [temp]
///       - in_range: {field: temp, min: -50, max: 150}
///   - derive: {name: feat, expr: temp_z * hum_n}
/// ```
public struct PipelineSpec: Codable, Sendable, Hashable {
    public var name: String
    public var summary: String?
    /// The fields of the input records, in any order; other input fields are ignored.
    public var schema: Schema
    public var steps: [Step]
    /// Rows per micro-batch. Larger batches amortise per-batch work; smaller ones lower latency.
    public var batchSize: Int?
    /// On streaming inputs (pipes), how long a partly filled micro-batch may wait for more
    /// records before it is processed. Nil or 0: process whatever has arrived at once.
    public var linger: TimeSpan?

    public init(name: String, summary: String? = nil, schema: Schema, steps: [Step], batchSize: Int? = nil) {
        self.name = name
        self.summary = summary
        self.schema = schema
        self.steps = steps
        self.batchSize = batchSize
    }

    enum CodingKeys: String, CodingKey {
        case name, summary, schema, steps
        case batchSize = "batch_size"
        case linger
    }
}

/// One logical operator.
public enum Step: Sendable, Hashable {
    /// Rejects records that fail any rule; each rejection goes to the dead-letter output with its reason.
    case clean([CleanRule])
    /// Rescales numeric fields with fixed constants.
    case normalize([NormalizeRule])
    /// Adds (or replaces) a field computed by an expression.
    case derive(name: String, expr: Expr)
    /// Keeps only these fields, in this order.
    case select([String])
    /// Keyed event-time window aggregation.
    case window(WindowSpec)
    /// Joins each record with a lookup table by a key field, adding the table's columns (through an optional LRU cache).
    case enrich(EnrichSpec)
    /// Passes records through unchanged and keeps the most recent ones in a replay directory (``ReplayBuffer``).
    case retain(RetainSpec)
}

public enum CleanRule: Sendable, Hashable {
    /// Rejects records where any of these fields is null or missing.
    case require([String])
    /// Rejects records whose field is outside `min...max` (inclusive); a null is rejected unless `allowNull`.
    case inRange(field: String, min: Double, max: Double, allowNull: Bool = false)
    /// Rejects records for which the condition is true.
    case drop(Expr)
    /// Rejects records for which the condition is not true (false or null).
    case keep(Expr)
    /// Converts a field to another type; values that do not convert are rejected.
    case coerce(field: String, to: DataType)
    /// Rejects a record whose key fields equal those of one of the last `capacity` distinct keys seen.
    case dedupe(on: [String], capacity: Int = 1_000_000)
}

public enum NormalizeRule: Sendable, Hashable {
    /// `(x - mean) / std`
    case zScore(field: String, mean: Double, std: Double, as: String?)
    /// `(x - min) / (max - min)`
    case minMax(field: String, min: Double, max: Double, as: String?)
    /// `x * by`
    case scale(field: String, by: Double, as: String?)
    /// `log(x + offset)`; records where `x + offset <= 0` are rejected.
    case log(field: String, offset: Double, as: String?)
    /// `x` limited to `min...max`.
    case clip(field: String, min: Double, max: Double, as: String?)

    public var field: String {
        switch self {
        case .zScore(let f, _, _, _), .minMax(let f, _, _, _), .scale(let f, _, _), .log(let f, _, _), .clip(let f, _, _, _): return f
        }
    }

    public var output: String {
        switch self {
        case .zScore(let f, _, _, let a), .minMax(let f, _, _, let a), .scale(let f, _, let a), .log(let f, _, let a), .clip(let f, _, _, let a): return a ?? f
        }
    }

    /// The rule as an expression over its field, with the exact order of IEEE operations.
    public var expr: Expr {
        let x = Col(field)
        switch self {
        case .zScore(_, let mean, let std, _): return (x - .literal(.double(mean))) / .literal(.double(std))
        case .minMax(_, let lo, let hi, _): return (x - .literal(.double(lo))) / .literal(.double(hi - lo))
        case .scale(_, let by, _): return x * .literal(.double(by))
        case .log(_, let offset, _): return offset == 0 ? .log(x) : .log(x + .literal(.double(offset)))
        case .clip(_, let lo, let hi, _): return .min(.max(x, .literal(.double(lo))), .literal(.double(hi)))
        }
    }
}

/// Which windows a record belongs to.
public enum WindowKind: Sendable, Hashable, CustomStringConvertible {
    /// Fixed, non-overlapping windows of `size`, aligned to the Unix epoch: `[t - t mod size, + size)`.
    case tumbling(TimeSpan)

    public var description: String {
        switch self {
        case .tumbling(let size): return "tumbling(\(size))"
        }
    }
}

public struct WindowSpec: Sendable, Hashable {
    public var kind: WindowKind
    /// The grouping key fields.
    public var by: [String]
    /// The event-time field: int64 milliseconds since the Unix epoch.
    public var time: String
    public var aggregates: [Aggregate]

    public init(kind: WindowKind, by: [String], time: String, aggregates: [Aggregate]) {
        self.kind = kind
        self.by = by
        self.time = time
        self.aggregates = aggregates
    }
}

public enum AggregateFunction: String, Codable, Sendable, CaseIterable {
    case count, sum, mean, min, max, variance, stddev

    /// The default output name prefix: `mean_temp`, `cnt`.
    var prefix: String {
        switch self {
        case .count: return "cnt"
        case .variance: return "var"
        case .stddev: return "std"
        default: return rawValue
        }
    }
}

/// One aggregate column of a window's output. Nulls in the input field are skipped
/// (`count` counts records); an aggregate over no non-null value is null.
/// `variance` and `stddev` are the sample statistics (n − 1), computed with Welford's method.
public struct Aggregate: Codable, Sendable, Hashable {
    public var function: AggregateFunction
    public var field: String?
    public var name: String

    public init(_ function: AggregateFunction, _ field: String?, as name: String? = nil) {
        self.function = function
        self.field = field
        self.name = name ?? (field.map { "\(function.prefix)_\($0)" } ?? function.prefix)
    }

    enum CodingKeys: String, CodingKey {
        case function = "fn", field, name = "as"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let function = try c.decode(AggregateFunction.self, forKey: .function)
        let field = try c.decodeIfPresent(String.self, forKey: .field)
        if field == nil && function != .count {
            throw DecodingError.dataCorruptedError(forKey: .field, in: c, debugDescription: "aggregate '\(function.rawValue)' needs a field")
        }
        self.init(function, field, as: try c.decodeIfPresent(String.self, forKey: .name))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(function, forKey: .function)
        try c.encodeIfPresent(field, forKey: .field)
        try c.encode(name, forKey: .name)
    }
}
