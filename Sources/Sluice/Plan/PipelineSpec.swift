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
    /// Adds streaming features per key (lags, rolling statistics, EWMA, running normalization)
    /// and stateless ones (time parts, hashing, one-hot).
    case features(FeatureSpec)
    /// Privacy before data leaves a device: drop a field, mask it, or replace it by a salted hash.
    case anonymize([AnonymizeRule])
}

/// One field's treatment in an `anonymize` step.
public enum AnonymizeRule: Sendable, Hashable {
    /// The field is removed: later steps and the output do not see it.
    case drop(String)
    /// Every character but the last `keepLast` becomes `with` (`+4915********89` style; null stays null).
    case mask(field: String, keepLast: Int = 0, with: String = "*")
    /// The value becomes a keyed hash (SipHash-2-4 under a key derived from `salt`), as 16 hex digits:
    /// equal values stay equal — they still group, join and count distinct — but the raw value cannot be
    /// recovered, nor guessed by hashing candidates, without the salt. Written to `as`, else in place.
    case hash(field: String, salt: String, as: String? = nil)

    public var field: String {
        switch self {
        case .drop(let f), .mask(let f, _, _), .hash(let f, _, _): return f
        }
    }
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
    /// Overlapping (hopping) windows of `size` starting every `every`, aligned to the epoch: a record
    /// belongs to `size / every` windows. Partial aggregates are kept per pane of
    /// `gcd(size, every)` and shared by all windows that contain the pane.
    case sliding(size: TimeSpan, every: TimeSpan)
    /// Per key, records closer than `gap` in event time form one session `[first, last + gap)`;
    /// a record that bridges two sessions merges them.
    case session(gap: TimeSpan)
    /// Per key, every `n` records in event-time order form one window (ties keep arrival order).
    case count(Int)

    public var description: String {
        switch self {
        case .tumbling(let size): return "tumbling(\(size))"
        case .sliding(let size, let every): return "sliding(\(size) every \(every))"
        case .session(let gap): return "session(gap \(gap))"
        case .count(let n): return "count(\(n))"
        }
    }
}

/// Which clock assigns records to windows.
public enum WindowClock: String, Codable, Sendable, Hashable {
    /// The record's own time field (the default): results do not depend on when records arrive.
    case event
    /// The wall clock when the micro-batch is processed; the time field is not read.
    case processing
}

/// When a window's results are emitted.
public enum EmitMode: String, Codable, Sendable, Hashable {
    /// Once, when the watermark passes the window's end (plus corrections for late records
    /// within the allowed lateness).
    case final
    /// After every micro-batch, the current result of every open window that changed
    /// (`timing = early`), then the final result on close.
    case updates
}

public struct WindowSpec: Sendable, Hashable {
    public var kind: WindowKind
    /// The grouping key fields.
    public var by: [String]
    /// The event-time field: int64 milliseconds since the Unix epoch (ignored with the processing clock).
    public var time: String
    public var aggregates: [Aggregate]
    public var clock: WindowClock
    /// How far behind the largest event time seen a record may arrive and still be on time:
    /// the watermark is `max event time - maxOutOfOrderness`. Windows close when the watermark
    /// passes their end, so a larger bound costs latency, not correctness.
    public var maxOutOfOrderness: TimeSpan
    /// How long after a window closed its state is kept: a record up to this late still updates
    /// the window and the corrected result is emitted again (`timing = late`). Beyond it, records
    /// go to the late-data output.
    public var allowedLateness: TimeSpan
    public var emit: EmitMode
    /// Count windows: a partly filled window whose key has been idle this long (event time) is
    /// emitted as it is and its state freed. (Time-based windows free a key's state when its
    /// windows close, so they need no TTL.)
    public var ttl: TimeSpan?

    public init(kind: WindowKind, by: [String], time: String, aggregates: [Aggregate], clock: WindowClock = .event,
                maxOutOfOrderness: TimeSpan = .milliseconds(0), allowedLateness: TimeSpan = .milliseconds(0), emit: EmitMode = .final,
                ttl: TimeSpan? = nil) {
        self.ttl = ttl
        self.kind = kind
        self.by = by
        self.time = time
        self.aggregates = aggregates
        self.clock = clock
        self.maxOutOfOrderness = maxOutOfOrderness
        self.allowedLateness = allowedLateness
        self.emit = emit
    }

    /// Whether the output carries a `timing` column (`early`, `on_time`, `late`): only when a
    /// window can be emitted more than once.
    public var emitsTiming: Bool { emit == .updates || allowedLateness.milliseconds > 0 }
}

public enum AggregateFunction: String, Codable, Sendable, CaseIterable {
    case count, sum, mean, min, max, variance, stddev
    /// The value of the record with the smallest / largest event time (ties: the earlier / later arrival).
    case first, last
    /// An approximate quantile (``QuantileSketch``; the `q` of the aggregate).
    case quantile
    /// An approximate count of distinct values (``DistinctCountSketch``).
    case distinct

    /// The default output name prefix: `mean_temp`, `cnt`.
    var prefix: String {
        switch self {
        case .count: return "cnt"
        case .variance: return "var"
        case .stddev: return "std"
        case .quantile: return "p"
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
    /// For `quantile`: which one, in `0...1`.
    public var q: Double?

    public init(_ function: AggregateFunction, _ field: String?, as name: String? = nil, q: Double? = nil) {
        self.function = function
        self.field = field
        self.q = q
        let prefix = function == .quantile ? Aggregate.quantilePrefix(q ?? 0.5) : function.prefix
        self.name = name ?? (field.map { "\(prefix)_\($0)" } ?? prefix)
    }

    /// `p50`, `p99`, `p99_9` for q = 0.5, 0.99, 0.999.
    static func quantilePrefix(_ q: Double) -> String {
        var text = String(q * 100)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return "p" + String(text.map { $0 == "." ? "_" : $0 })
    }

    enum CodingKeys: String, CodingKey {
        case function = "fn", field, name = "as", q
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let function = try c.decode(AggregateFunction.self, forKey: .function)
        let field = try c.decodeIfPresent(String.self, forKey: .field)
        if field == nil && function != .count {
            throw DecodingError.dataCorruptedError(forKey: .field, in: c, debugDescription: "aggregate '\(function.rawValue)' needs a field")
        }
        let q = try c.decodeIfPresent(Double.self, forKey: .q)
        if function == .quantile, q == nil {
            throw DecodingError.dataCorruptedError(forKey: .q, in: c, debugDescription: "aggregate 'quantile' needs 'q' (e.g. q: 0.99)")
        }
        self.init(function, field, as: try c.decodeIfPresent(String.self, forKey: .name), q: q)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(function, forKey: .function)
        try c.encodeIfPresent(field, forKey: .field)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(q, forKey: .q)
    }
}
