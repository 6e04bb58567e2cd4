/// One class label as it appears in a label column: `int64`, `string` or `bool`.
///
/// Encodes as the bare JSON value (`1`, `"spam"`, `true`), so a model's
/// `classes` read naturally in its saved state.
public enum ClassLabel: Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    case int(Int64)
    case string(String)
    case bool(Bool)

    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .string(let s): return s
        case .bool(let b): return String(b)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .string(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        }
    }
}
