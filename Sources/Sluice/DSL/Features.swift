/// Streaming features per key, in the order they are listed:
///
/// ```swift
/// Features(by: "sensor_id", time: "ts", ttl: .hours(1)) {
///     Lag("temp", 1, 2)                      // temp_lag1, temp_lag2
///     Rolling("temp", last: 10)              // temp_last10_mean, temp_last10_std
///     EWMA("temp", alpha: 0.1)               // temp_ewma
///     RunningZScore("temp", warmUp: 30)      // temp_rz (test-then-update, no leakage)
///     TimeParts("ts", .hour, .dayOfWeek)     // ts_hour, ts_day_of_week
///     OneHot("status", values: ["ok", "err"])
/// }
/// ```
public struct Features: PipelineStep {
    public let steps: [Step]
    public init(by keys: String..., time: String? = nil, ttl: TimeSpan? = nil, @FeatureBuilder _ features: () -> [Feature]) {
        steps = [.features(FeatureSpec(by: keys, time: time, ttl: ttl, features: features()))]
    }
}

@resultBuilder
public enum FeatureBuilder {
    public static func buildExpression(_ f: Feature) -> [Feature] { [f] }
    public static func buildBlock(_ parts: [Feature]...) -> [Feature] { parts.flatMap { $0 } }
    public static func buildArray(_ parts: [[Feature]]) -> [Feature] { parts.flatMap { $0 } }
}

public func Lag(_ field: String, _ lags: Int...) -> Feature { .lag(field: field, lags: lags.isEmpty ? [1] : lags) }
public func Rolling(_ field: String, last: Int, as name: String? = nil) -> Feature { .rolling(field: field, last: last, span: nil, as: name) }
public func Rolling(_ field: String, span: TimeSpan, as name: String? = nil) -> Feature { .rolling(field: field, last: nil, span: span, as: name) }
public func EWMA(_ field: String, alpha: Double, as name: String? = nil) -> Feature { .ewma(field: field, alpha: alpha, as: name) }
public func RunningZScore(_ field: String, warmUp: Int = 10, as name: String? = nil) -> Feature { .runningZScore(field: field, warmUp: warmUp, as: name) }
public func RunningMinMax(_ field: String, warmUp: Int = 10, as name: String? = nil) -> Feature { .runningMinMax(field: field, warmUp: warmUp, as: name) }
public func TimeParts(_ field: String, _ parts: TimePart...) -> Feature { .timeParts(field: field, parts: parts) }
public func HashBucket(_ field: String, buckets: Int, as name: String? = nil) -> Feature { .hashBucket(field: field, buckets: buckets, as: name) }
public func OneHot(_ field: String, values: [String]) -> Feature { .oneHot(field: field, values: values) }
