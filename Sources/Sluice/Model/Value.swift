/// One value of a record, for the row-at-a-time edges of the system: tests,
/// small in-memory sources and sinks, lookup tables. Never used on the hot path.
public enum Value: Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral {
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
    case null

    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let s): return s
        case .bool(let b): return String(b)
        case .null: return "null"
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: return nil
        }
    }

    /// Reads row `row` of `column`.
    public init(_ column: Column, row: Int, arena: ByteArena) {
        guard column.isValid(row) else { self = .null; return }
        switch column.type {
        case .int64: self = .int(column.int64[row])
        case .float64: self = .double(column.float64[row])
        case .bool: self = .bool(column.bools[row] != 0)
        case .string: self = .string(arena.string(column.strings[row]))
        }
    }

    /// Writes the value into row `row` of `column`; false when the type does not fit.
    public func store(into column: Column, row: Int, arena: ByteArena) -> Bool {
        switch (self, column.type) {
        case (.null, _): column.validity[row] = 0; return true
        case (.int(let v), .int64): column.int64[row] = v
        case (.int(let v), .float64): column.float64[row] = Double(v)
        case (.double(let v), .float64): column.float64[row] = v
        case (.bool(let b), .bool): column.bools[row] = b ? 1 : 0
        case (.string(let s), .string):
            column.strings[row] = arena.append(s)
            if let ids = column.keyIDs { ids[row] = column.dictionary!.intern(s) }
        default: return false
        }
        column.validity[row] = 1
        return true
    }
}
