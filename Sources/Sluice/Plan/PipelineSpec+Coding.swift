#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The readable spec form of steps and rules: each is a one-key object.

extension Step: Codable {
    private static let keys = ["clean", "normalize", "derive", "select", "window", "enrich", "retain", "features", "anonymize"]

    private struct DeriveBody: Codable { var name: String; var expr: Expr }

    public init(from decoder: any Decoder) throws {
        let (c, key) = try decoder.singleKey(known: Self.keys, what: "step")
        let k = AnyCodingKey(key)
        switch key {
        case "clean": self = .clean(try c.decode([CleanRule].self, forKey: k))
        case "normalize": self = .normalize(try c.decode([NormalizeRule].self, forKey: k))
        case "derive":
            let body = try c.decode(DeriveBody.self, forKey: k)
            self = .derive(name: body.name, expr: body.expr)
        case "select": self = .select(try c.decode([String].self, forKey: k))
        case "enrich": self = .enrich(try c.decode(EnrichSpec.self, forKey: k))
        case "retain": self = .retain(try c.decode(RetainSpec.self, forKey: k))
        case "features": self = .features(try c.decode(FeatureSpec.self, forKey: k))
        case "anonymize": self = .anonymize(try c.decode([AnonymizeRule].self, forKey: k))
        default: self = .window(try c.decode(WindowSpec.self, forKey: k))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        switch self {
        case .clean(let rules): try c.encode(rules, forKey: AnyCodingKey("clean"))
        case .normalize(let rules): try c.encode(rules, forKey: AnyCodingKey("normalize"))
        case .derive(let name, let expr): try c.encode(DeriveBody(name: name, expr: expr), forKey: AnyCodingKey("derive"))
        case .select(let fields): try c.encode(fields, forKey: AnyCodingKey("select"))
        case .window(let spec): try c.encode(spec, forKey: AnyCodingKey("window"))
        case .enrich(let spec): try c.encode(spec, forKey: AnyCodingKey("enrich"))
        case .retain(let spec): try c.encode(spec, forKey: AnyCodingKey("retain"))
        case .features(let spec): try c.encode(spec, forKey: AnyCodingKey("features"))
        case .anonymize(let rules): try c.encode(rules, forKey: AnyCodingKey("anonymize"))
        }
    }
}

extension AnonymizeRule: Codable {
    private static let keys = ["drop", "mask", "hash"]
    private struct Mask: Codable { var field: String; var keep_last: Int?; var with: String? }
    private struct Hash: Codable {
        var field: String
        var salt: String?
        /// The salt from an environment variable, so it need not be written into the spec.
        var salt_env: String?
        var `as`: String?
    }

    public init(from decoder: any Decoder) throws {
        let (c, key) = try decoder.singleKey(known: Self.keys, what: "anonymize rule")
        let k = AnyCodingKey(key)
        switch key {
        case "drop": self = .drop(try c.decode(String.self, forKey: k))
        case "mask":
            let m = try c.decode(Mask.self, forKey: k)
            self = .mask(field: m.field, keepLast: m.keep_last ?? 0, with: m.with ?? "*")
        default:
            let h = try c.decode(Hash.self, forKey: k)
            var salt = h.salt
            if let name = h.salt_env {
                guard let value = getenv(name).map({ String(cString: $0) }), !value.isEmpty else {
                    throw DecodingError.dataCorruptedError(forKey: k, in: c, debugDescription: "hash(\(h.field)): the environment variable \(name) (salt_env) is not set")
                }
                salt = value
            }
            guard let salt, !salt.isEmpty else {
                throw DecodingError.dataCorruptedError(forKey: k, in: c, debugDescription: "hash(\(h.field)) needs a salt (salt: or salt_env:); without one, hashes of guessable values can be reversed")
            }
            self = .hash(field: h.field, salt: salt, as: h.as)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        switch self {
        case .drop(let f): try c.encode(f, forKey: AnyCodingKey("drop"))
        case .mask(let f, let keep, let with): try c.encode(Mask(field: f, keep_last: keep == 0 ? nil : keep, with: with == "*" ? nil : with), forKey: AnyCodingKey("mask"))
        case .hash(let f, let salt, let a): try c.encode(Hash(field: f, salt: salt, salt_env: nil, as: a), forKey: AnyCodingKey("hash"))
        }
    }
}

extension CleanRule: Codable {
    private static let keys = ["require", "in_range", "drop", "keep", "coerce", "dedupe"]
    private struct Range: Codable { var field: String; var min: SpecNumber; var max: SpecNumber; var allow_null: Bool? }
    private struct Coerce: Codable { var field: String; var to: DataType }
    private struct Dedupe: Codable { var on: [String]; var capacity: Int? }

    public init(from decoder: any Decoder) throws {
        let (c, key) = try decoder.singleKey(known: Self.keys, what: "clean rule")
        let k = AnyCodingKey(key)
        switch key {
        case "require":
            if let one = try? c.decode(String.self, forKey: k) {
                self = .require([one])
            } else {
                self = .require(try c.decode([String].self, forKey: k))
            }
        case "in_range":
            let r = try c.decode(Range.self, forKey: k)
            self = .inRange(field: r.field, min: r.min.value, max: r.max.value, allowNull: r.allow_null ?? false)
        case "drop": self = .drop(try c.decode(Expr.self, forKey: k))
        case "keep": self = .keep(try c.decode(Expr.self, forKey: k))
        case "coerce":
            let r = try c.decode(Coerce.self, forKey: k)
            self = .coerce(field: r.field, to: r.to)
        default:
            let r = try c.decode(Dedupe.self, forKey: k)
            self = .dedupe(on: r.on, capacity: r.capacity ?? 1_000_000)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        switch self {
        case .require(let fields): try c.encode(fields, forKey: AnyCodingKey("require"))
        case .inRange(let f, let lo, let hi, let allowNull):
            try c.encode(Range(field: f, min: SpecNumber(lo), max: SpecNumber(hi), allow_null: allowNull ? true : nil), forKey: AnyCodingKey("in_range"))
        case .drop(let e): try c.encode(e, forKey: AnyCodingKey("drop"))
        case .keep(let e): try c.encode(e, forKey: AnyCodingKey("keep"))
        case .coerce(let f, let t): try c.encode(Coerce(field: f, to: t), forKey: AnyCodingKey("coerce"))
        case .dedupe(let on, let capacity): try c.encode(Dedupe(on: on, capacity: capacity), forKey: AnyCodingKey("dedupe"))
        }
    }
}

extension NormalizeRule: Codable {
    private static let keys = ["zscore", "minmax", "scale", "log", "clip"]
    private struct Body: Codable {
        var field: String
        var mean: SpecNumber?, std: SpecNumber?, min: SpecNumber?, max: SpecNumber?, by: SpecNumber?, offset: SpecNumber?
        var `as`: String?
    }

    public init(from decoder: any Decoder) throws {
        let (c, key) = try decoder.singleKey(known: Self.keys, what: "normalize rule")
        let k = AnyCodingKey(key)
        let b = try c.decode(Body.self, forKey: k)
        func need(_ v: SpecNumber?, _ name: String) throws -> Double {
            guard let v = v?.value else {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [k], debugDescription: "\(key) needs '\(name)'"))
            }
            return v
        }
        switch key {
        case "zscore": self = .zScore(field: b.field, mean: try need(b.mean, "mean"), std: try need(b.std, "std"), as: b.as)
        case "minmax": self = .minMax(field: b.field, min: try need(b.min, "min"), max: try need(b.max, "max"), as: b.as)
        case "scale": self = .scale(field: b.field, by: try need(b.by, "by"), as: b.as)
        case "log": self = .log(field: b.field, offset: b.offset?.value ?? 0, as: b.as)
        default: self = .clip(field: b.field, min: try need(b.min, "min"), max: try need(b.max, "max"), as: b.as)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyCodingKey.self)
        switch self {
        case .zScore(let f, let mean, let std, let a): try c.encode(Body(field: f, mean: SpecNumber(mean), std: SpecNumber(std), as: a), forKey: AnyCodingKey("zscore"))
        case .minMax(let f, let lo, let hi, let a): try c.encode(Body(field: f, min: SpecNumber(lo), max: SpecNumber(hi), as: a), forKey: AnyCodingKey("minmax"))
        case .scale(let f, let by, let a): try c.encode(Body(field: f, by: SpecNumber(by), as: a), forKey: AnyCodingKey("scale"))
        case .log(let f, let offset, let a): try c.encode(Body(field: f, offset: offset == 0 ? nil : SpecNumber(offset), as: a), forKey: AnyCodingKey("log"))
        case .clip(let f, let lo, let hi, let a): try c.encode(Body(field: f, min: SpecNumber(lo), max: SpecNumber(hi), as: a), forKey: AnyCodingKey("clip"))
        }
    }
}

extension WindowSpec: Codable {
    private enum Keys: String, CodingKey {
        case tumbling, sliding, session, count, by, time, clock, aggregates, emit, ttl
        case maxOutOfOrderness = "max_out_of_orderness", allowedLateness = "allowed_lateness"
    }
    private struct Sliding: Codable { var size: TimeSpan; var every: TimeSpan }
    private struct Session: Codable { var gap: TimeSpan }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        var kinds: [WindowKind] = []
        if let size = try c.decodeIfPresent(TimeSpan.self, forKey: .tumbling) { kinds.append(.tumbling(size)) }
        if let s = try c.decodeIfPresent(Sliding.self, forKey: .sliding) { kinds.append(.sliding(size: s.size, every: s.every)) }
        if c.contains(.session) {
            if let gap = try? c.decode(TimeSpan.self, forKey: .session) {
                kinds.append(.session(gap: gap))
            } else {
                kinds.append(.session(gap: try c.decode(Session.self, forKey: .session).gap))
            }
        }
        if let n = try c.decodeIfPresent(Int.self, forKey: .count) { kinds.append(.count(n)) }
        guard kinds.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: kinds.isEmpty
                ? "a window needs its kind, e.g. 'tumbling: 10s', 'sliding: {size: 1m, every: 10s}', 'session: 30s' or 'count: 100'"
                : "a window has exactly one kind, found \(kinds.map(\.description).joined(separator: " and "))"))
        }
        let by: [String]
        if let one = try? c.decode(String.self, forKey: .by) { by = [one] } else { by = try c.decode([String].self, forKey: .by) }
        let clock = try c.decodeIfPresent(WindowClock.self, forKey: .clock) ?? .event
        let time: String
        if clock == .processing {
            time = try c.decodeIfPresent(String.self, forKey: .time) ?? ""
        } else {
            guard let t = try c.decodeIfPresent(String.self, forKey: .time) else {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "an event-time window needs 'time: FIELD' (or 'clock: processing')"))
            }
            time = t
        }
        self.init(kind: kinds[0], by: by, time: time, aggregates: try c.decode([Aggregate].self, forKey: .aggregates), clock: clock,
                  maxOutOfOrderness: try c.decodeIfPresent(TimeSpan.self, forKey: .maxOutOfOrderness) ?? .milliseconds(0),
                  allowedLateness: try c.decodeIfPresent(TimeSpan.self, forKey: .allowedLateness) ?? .milliseconds(0),
                  emit: try c.decodeIfPresent(EmitMode.self, forKey: .emit) ?? .final,
                  ttl: try c.decodeIfPresent(TimeSpan.self, forKey: .ttl))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch kind {
        case .tumbling(let size): try c.encode(size, forKey: .tumbling)
        case .sliding(let size, let every): try c.encode(Sliding(size: size, every: every), forKey: .sliding)
        case .session(let gap): try c.encode(gap, forKey: .session)
        case .count(let n): try c.encode(n, forKey: .count)
        }
        try c.encode(by, forKey: .by)
        if clock == .processing {
            try c.encode(clock, forKey: .clock)
        } else {
            try c.encode(time, forKey: .time)
        }
        if maxOutOfOrderness.milliseconds != 0 { try c.encode(maxOutOfOrderness, forKey: .maxOutOfOrderness) }
        if allowedLateness.milliseconds != 0 { try c.encode(allowedLateness, forKey: .allowedLateness) }
        if emit != .final { try c.encode(emit, forKey: .emit) }
        try c.encodeIfPresent(ttl, forKey: .ttl)
        try c.encode(aggregates, forKey: .aggregates)
    }
}

/// A number in a spec, written as an integer when it is one (`max: 150`, not `1.5e+2`).
struct SpecNumber: Codable, Hashable {
    var value: Double
    init(_ value: Double) { self.value = value }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int64.self) { value = Double(i) } else { value = try c.decode(Double.self) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if value == value.rounded(), Swift.abs(value) < 1e15 { try c.encode(Int64(value)) } else { try c.encode(value) }
    }
}
