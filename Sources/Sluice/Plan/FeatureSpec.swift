/// A `features` step: per-key streaming features and running normalization, plus stateless
/// time, hashing and one-hot features. Each feature adds columns; records pass through.
public struct FeatureSpec: Sendable, Hashable {
    /// The key fields per-key state is kept by (empty: only stateless features are allowed).
    public var by: [String]
    /// The event-time field (int64 ms): needed by span-based rolling windows and by `ttl`.
    public var time: String?
    /// A key idle this long (event time, measured from the largest time seen before its next
    /// record) starts over with fresh state, and its state is freed.
    public var ttl: TimeSpan?
    public var features: [Feature]

    public init(by: [String], time: String? = nil, ttl: TimeSpan? = nil, features: [Feature]) {
        self.by = by
        self.time = time
        self.ttl = ttl
        self.features = features
    }
}

/// One feature of a `features` step. Numbers come out as float64 (hash buckets and one-hot
/// flags as int64); a null input gives a null feature and leaves the state unchanged.
public enum Feature: Sendable, Hashable {
    /// The field's value `n` records earlier for the same key (`temp_lag1`, …); null before that.
    case lag(field: String, lags: [Int])
    /// Mean and sample standard deviation over the key's last `last` non-null values or the last
    /// `span` of event time, current record included (`<as>_mean`, `<as>_std`).
    case rolling(field: String, last: Int?, span: TimeSpan?, as: String?)
    /// Exponentially weighted moving average, current record included: `s = α·x + (1 − α)·s`.
    case ewma(field: String, alpha: Double, as: String?)
    /// Running z-score per key, test-then-update: the record is scaled with the mean and
    /// standard deviation of the key's records *before* it (no leakage); null during warm-up.
    case runningZScore(field: String, warmUp: Int, as: String?)
    /// Running min-max scaling per key, test-then-update; null during warm-up or while min = max.
    case runningMinMax(field: String, warmUp: Int, as: String?)
    /// Calendar parts of an epoch-millisecond field, UTC.
    case timeParts(field: String, parts: [TimePart])
    /// A stable hash of the value into `0..<buckets` (feature hashing): `<as>` (default `<field>_bucket`).
    case hashBucket(field: String, buckets: Int, as: String?)
    /// One int64 0/1 column per listed value (`status_ok`, …); other values give all zeros and are counted.
    case oneHot(field: String, values: [String])

    public var field: String {
        switch self {
        case .lag(let f, _), .rolling(let f, _, _, _), .ewma(let f, _, _), .runningZScore(let f, _, _), .runningMinMax(let f, _, _),
             .timeParts(let f, _), .hashBucket(let f, _, _), .oneHot(let f, _):
            return f
        }
    }

    /// Whether the feature keeps per-key state.
    public var isKeyed: Bool {
        switch self {
        case .lag, .rolling, .ewma, .runningZScore, .runningMinMax: return true
        case .timeParts, .hashBucket, .oneHot: return false
        }
    }

    /// The output columns, in order.
    public var outputs: [Field] {
        switch self {
        case .lag(let f, let lags): return lags.map { Field("\(f)_lag\($0)", .float64) }
        case .rolling(let f, let last, let span, let name):
            let base = name ?? (last.map { "\(f)_last\($0)" } ?? "\(f)_\(span?.description ?? "span")")
            return [Field("\(base)_mean", .float64), Field("\(base)_std", .float64)]
        case .ewma(let f, _, let name): return [Field(name ?? "\(f)_ewma", .float64)]
        case .runningZScore(let f, _, let name): return [Field(name ?? "\(f)_rz", .float64)]
        case .runningMinMax(let f, _, let name): return [Field(name ?? "\(f)_rmm", .float64)]
        case .timeParts(let f, let parts): return parts.map { Field("\(f)_\($0.rawValue)", $0.isCyclic ? .float64 : .int64) }
        case .hashBucket(let f, _, let name): return [Field(name ?? "\(f)_bucket", .int64)]
        case .oneHot(let f, let values): return values.map { Field("\(f)_\($0)", .int64) }
        }
    }
}

/// Calendar parts of a timestamp (UTC). `*_sin`/`*_cos` encode hour of day and day of week on a
/// circle, so 23:00 and 00:00 are neighbours for a model.
public enum TimePart: String, Codable, Sendable, Hashable, CaseIterable {
    case hour
    case minuteOfDay = "minute_of_day"
    /// Monday = 0 … Sunday = 6.
    case dayOfWeek = "day_of_week"
    case hourSin = "hour_sin", hourCos = "hour_cos"
    case dayOfWeekSin = "day_of_week_sin", dayOfWeekCos = "day_of_week_cos"

    var isCyclic: Bool {
        switch self {
        case .hour, .minuteOfDay, .dayOfWeek: return false
        default: return true
        }
    }
}

extension FeatureSpec: Codable {
    enum CodingKeys: String, CodingKey { case by, time, ttl, features }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let by: [String]
        if let one = try? c.decode(String.self, forKey: .by) { by = [one] } else { by = try c.decodeIfPresent([String].self, forKey: .by) ?? [] }
        self.init(by: by, time: try c.decodeIfPresent(String.self, forKey: .time), ttl: try c.decodeIfPresent(TimeSpan.self, forKey: .ttl),
                  features: try c.decode([Feature].self, forKey: .features))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !by.isEmpty { try c.encode(by, forKey: .by) }
        try c.encodeIfPresent(time, forKey: .time)
        try c.encodeIfPresent(ttl, forKey: .ttl)
        try c.encode(features, forKey: .features)
    }
}

extension Feature: Codable {
    private static let keys = ["lag", "rolling", "ewma", "running_zscore", "running_minmax", "time_parts", "hash", "one_hot"]
    private struct Body: Codable {
        var field: String
        var lags: [Int]?, last: Int?, span: TimeSpan?, alpha: Double?, warm_up: Int?, parts: [TimePart]?, buckets: Int?, values: [String]?
        var `as`: String?
    }

    public init(from decoder: any Decoder) throws {
        let (c, key) = try decoder.singleKey(known: Self.keys, what: "feature")
        let k = AnyCodingKey(key)
        let b = try c.decode(Body.self, forKey: k)
        func need<T>(_ v: T?, _ name: String) throws -> T {
            guard let v else { throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [k], debugDescription: "\(key) needs '\(name)'")) }
            return v
        }
        switch key {
        case "lag": self = .lag(field: b.field, lags: b.lags ?? [1])
        case "rolling":
            guard (b.last == nil) != (b.span == nil) else {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [k], debugDescription: "rolling needs exactly one of 'last' (records) or 'span' (time)"))
            }
            self = .rolling(field: b.field, last: b.last, span: b.span, as: b.as)
        case "ewma": self = .ewma(field: b.field, alpha: try need(b.alpha, "alpha"), as: b.as)
        case "running_zscore": self = .runningZScore(field: b.field, warmUp: b.warm_up ?? 10, as: b.as)
        case "running_minmax": self = .runningMinMax(field: b.field, warmUp: b.warm_up ?? 10, as: b.as)
        case "time_parts": self = .timeParts(field: b.field, parts: b.parts ?? [.hour, .dayOfWeek])
        case "hash": self = .hashBucket(field: b.field, buckets: try need(b.buckets, "buckets"), as: b.as)
        default: self = .oneHot(field: b.field, values: try need(b.values, "values"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        switch self {
        case .lag(let f, let lags): try c.encode(Body(field: f, lags: lags), forKey: AnyCodingKey("lag"))
        case .rolling(let f, let last, let span, let a): try c.encode(Body(field: f, last: last, span: span, as: a), forKey: AnyCodingKey("rolling"))
        case .ewma(let f, let alpha, let a): try c.encode(Body(field: f, alpha: alpha, as: a), forKey: AnyCodingKey("ewma"))
        case .runningZScore(let f, let w, let a): try c.encode(Body(field: f, warm_up: w, as: a), forKey: AnyCodingKey("running_zscore"))
        case .runningMinMax(let f, let w, let a): try c.encode(Body(field: f, warm_up: w, as: a), forKey: AnyCodingKey("running_minmax"))
        case .timeParts(let f, let parts): try c.encode(Body(field: f, parts: parts), forKey: AnyCodingKey("time_parts"))
        case .hashBucket(let f, let n, let a): try c.encode(Body(field: f, buckets: n, as: a), forKey: AnyCodingKey("hash"))
        case .oneHot(let f, let values): try c.encode(Body(field: f, values: values), forKey: AnyCodingKey("one_hot"))
        }
    }
}
