/// Keyed event-time window aggregation:
/// `Window(.tumbling(.seconds(10)), by: "sensor_id", time: "ts") { Count(); Mean("temp_z") }`.
///
/// Output rows: the key fields, `window_start` (epoch ms), then one column per aggregate.
public struct Window: PipelineStep {
    public let steps: [Step]
    public init(_ kind: WindowKind, by keys: String..., time: String, @AggregateBuilder _ aggregates: () -> [Aggregate]) {
        steps = [.window(WindowSpec(kind: kind, by: keys, time: time, aggregates: aggregates()))]
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
/// Sample variance (n − 1), Welford's method.
public func Variance(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.variance, field, as: name) }
/// Sample standard deviation (n − 1).
public func StdDev(_ field: String, as name: String? = nil) -> Aggregate { Aggregate(.stddev, field, as: name) }
