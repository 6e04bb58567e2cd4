/// A typed expression over the fields of a record, such as
/// `(Col("temp") - 20) / 10` or `Col("status") == "err"`.
///
/// Expressions are values: they compare, print (`description` is valid
/// expression text) and encode as that text in pipeline specs. They are
/// never interpreted per row: ``ExpressionCompiler`` turns them into kernels
/// that run over whole columns.
public indirect enum Expr: Sendable, Hashable {
    case column(String)
    case literal(Literal)
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    /// A built-in function: `abs`, `sqrt`, `log`, `exp`, `min`, `max`, `is_null`, `is_not_null`.
    case call(Function, [Expr])
}

/// A constant in an expression.
public enum Literal: Sendable, Hashable {
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
    case null
}

public enum UnaryOperator: String, Sendable, Hashable {
    case negate = "-"
    case not = "!"
}

public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "&&", or = "||"

    var isArithmetic: Bool { [.add, .subtract, .multiply, .divide, .remainder].contains(self) }
    var isComparison: Bool { [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
    var isLogical: Bool { self == .and || self == .or }

    /// Binding strength, higher binds tighter.
    var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return 3
        case .add, .subtract: return 4
        case .multiply, .divide, .remainder: return 5
        }
    }
}

public enum Function: String, Sendable, Hashable, CaseIterable {
    case abs, sqrt, log, exp, min, max
    case isNull = "is_null"
    case isNotNull = "is_not_null"

    var arity: Int {
        switch self {
        case .min, .max: return 2
        default: return 1
        }
    }
}

// MARK: - DSL spelling

/// A reference to a field, for building expressions: `Col("temp") * 2`.
public func Col(_ name: String) -> Expr { .column(name) }

extension Expr: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    public init(integerLiteral value: Int64) { self = .literal(.int(value)) }
    public init(floatLiteral value: Double) { self = .literal(.double(value)) }
    public init(stringLiteral value: String) { self = .literal(.string(value)) }
    public init(booleanLiteral value: Bool) { self = .literal(.bool(value)) }

    public static func + (l: Expr, r: Expr) -> Expr { .binary(.add, l, r) }
    public static func - (l: Expr, r: Expr) -> Expr { .binary(.subtract, l, r) }
    public static func * (l: Expr, r: Expr) -> Expr { .binary(.multiply, l, r) }
    public static func / (l: Expr, r: Expr) -> Expr { .binary(.divide, l, r) }
    public static func % (l: Expr, r: Expr) -> Expr { .binary(.remainder, l, r) }
    public static prefix func - (e: Expr) -> Expr { .unary(.negate, e) }
    public static prefix func ! (e: Expr) -> Expr { .unary(.not, e) }
    public static func && (l: Expr, r: Expr) -> Expr { .binary(.and, l, r) }
    public static func || (l: Expr, r: Expr) -> Expr { .binary(.or, l, r) }
    /// Builds a comparison expression (in a `Bool` context Swift picks `Equatable`'s `==` instead).
    public static func == (l: Expr, r: Expr) -> Expr { .binary(.equal, l, r) }
    public static func != (l: Expr, r: Expr) -> Expr { .binary(.notEqual, l, r) }
    public static func < (l: Expr, r: Expr) -> Expr { .binary(.less, l, r) }
    public static func <= (l: Expr, r: Expr) -> Expr { .binary(.lessOrEqual, l, r) }
    public static func > (l: Expr, r: Expr) -> Expr { .binary(.greater, l, r) }
    public static func >= (l: Expr, r: Expr) -> Expr { .binary(.greaterOrEqual, l, r) }

    public var isNull: Expr { .call(.isNull, [self]) }
    public var isNotNull: Expr { .call(.isNotNull, [self]) }

    /// The field names the expression reads.
    public var columns: [String] {
        switch self {
        case .column(let name): return [name]
        case .literal: return []
        case .unary(_, let e): return e.columns
        case .binary(_, let l, let r): return l.columns + r.columns.filter { !l.columns.contains($0) }
        case .call(_, let args):
            var seen: [String] = []
            for a in args { for c in a.columns where !seen.contains(c) { seen.append(c) } }
            return seen
        }
    }
}

extension Expr {
    public static func abs(_ e: Expr) -> Expr { .call(.abs, [e]) }
    public static func sqrt(_ e: Expr) -> Expr { .call(.sqrt, [e]) }
    public static func log(_ e: Expr) -> Expr { .call(.log, [e]) }
    public static func exp(_ e: Expr) -> Expr { .call(.exp, [e]) }
    public static func min(_ a: Expr, _ b: Expr) -> Expr { .call(.min, [a, b]) }
    public static func max(_ a: Expr, _ b: Expr) -> Expr { .call(.max, [a, b]) }
}
