/// Keyed window aggregation:
/// `Window(.tumbling(.seconds(10)), by: "sensor_id", time: "ts") { Count(); Mean("temp_z") }`.
///
/// Output rows: the key fields, `window_start` (epoch ms; session and count windows also
/// `window_end`), `timing` when a window can be emitted more than once (see ``WindowSpec/emitsTiming``),
/// then one column per aggregate. Modifiers set event-time behaviour:
///
/// ```swift
/// Window(.sliding(size: .minutes(1), every: .seconds(10)), by: "sensor_id", time: "ts") { Mean("temp") }
///     .maxOutOfOrderness(.seconds(5))   // watermark = max event time - 5 s
///     .allowedLateness(.minutes(1))     // later records still correct their window, re-emitted as `late`
///     .emit(.updates)                   // early results after every micro-batch
/// ```
public struct Window: PipelineStep {
    public private(set) var spec: WindowSpec
    public var steps: [Step] { [.window(spec)] }

    /// An event-time window over the int64 millisecond field `time`.
    public init(_ kind: WindowKind, by keys: String..., time: String, @AggregateBuilder _ aggregates: () -> [Aggregate]) {
        spec = WindowSpec(kind: kind, by: keys, time: time, aggregates: aggregates())
    }

    /// A window over the wall clock at processing time (`clock: .processing`); no time field is read.
    public init(_ kind: WindowKind, by keys: String..., clock: WindowClock, @AggregateBuilder _ aggregates: () -> [Aggregate]) {
        spec = WindowSpec(kind: kind, by: keys, time: "", aggregates: aggregates(), clock: clock)
    }

    /// The bound on out-of-orderness: records up to this far behind the largest event time seen are on time.
    public func maxOutOfOrderness(_ bound: TimeSpan) -> Window { with { $0.maxOutOfOrderness = bound } }
    /// How long a closed window still accepts late records (each re-emits the corrected result).
    public func allowedLateness(_ lateness: TimeSpan) -> Window { with { $0.allowedLateness = lateness } }
    /// Count windows: emit a partly filled window once its key has been idle this long.
    public func ttl(_ idle: TimeSpan) -> Window { with { $0.ttl = idle } }
    /// Final results only (the default), or early updates after every micro-batch as well.
    public func emit(_ mode: EmitMode) -> Window { with { $0.emit = mode } }

    private func with(_ change: (inout WindowSpec) -> Void) -> Window {
        var copy = self
        change(&copy.spec)
        return copy
    }
}

@resultBuilder
public enum AggregateBuilder {
    public static func buildExpression(_ a: Aggregate) -> [Aggregate] { [a] }
    public static func buildBlock(_ parts: [Aggregate]...) -> [Aggregate] { parts.flatMap { $0 } }
    public static func buildArray(_ parts: [[Aggregate]]) -> [Aggregate] { parts.flatMap { $0 } }
}

/// Records in the window (output `cnt` unless named).
public func Count(as name: String? = nil) -> Aggregate { Aggregate(.count, nil, as: name) }
public func Sum(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.sum, field, as: name) }
public func Mean(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.mean, field, as: name) }
public func Min(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.min, field, as: name) }
public func Max(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.max, field, as: name) }
/// Sample variance (n − 1), Welford's method (pane and session merges use Chan's formula).
public func Variance(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.variance, field, as: name) }
/// Sample standard deviation (n − 1).
public func StdDev(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.stddev, field, as: name) }
/// The value of the earliest record in event time (ties: the first to arrive).
public func First(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.first, field, as: name) }
/// The value of the latest record in event time (ties: the last to arrive).
public func Last(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.last, field, as: name) }
/// An approximate quantile from a mergeable KLL sketch (``QuantileSketch`` documents the error bound).
public func Quantile(_ field: String, _ q: Double, as name: String? = nil) -> Aggregate { Aggregate(.quantile, field, as: name, q: q) }
/// An approximate count of distinct values from a HyperLogLog sketch (``DistinctCountSketch``).
public func DistinctCount(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.distinct, field, as: name) }
