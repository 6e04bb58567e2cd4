/// A group of cleaning rules. A record failing any rule goes to the
/// dead-letter output with the rule and the offending value; rules run in order.
public struct Clean: PipelineStep {
    public let steps: [Step]
    public init(@CleanRuleBuilder _ rules: () -> [CleanRule]) { steps = [.clean(rules())] }
}

public protocol CleanRuleConvertible {
    var rule: CleanRule { get }
}

@resultBuilder
public enum CleanRuleBuilder {
    public static func buildExpression(_ r: some CleanRuleConvertible) -> [CleanRule] { [r.rule] }
    public static func buildExpression(_ r: CleanRule) -> [CleanRule] { [r] }
    public static func buildBlock(_ parts: [CleanRule]...) -> [CleanRule] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [CleanRule]?) -> [CleanRule] { part ?? [] }
    public static func buildEither(first: [CleanRule]) -> [CleanRule] { first }
    public static func buildEither(second: [CleanRule]) -> [CleanRule] { second }
    public static func buildArray(_ parts: [[CleanRule]]) -> [CleanRule] { parts.flatMap { $0 } }
}

/// Rejects records where any of the fields is null or missing.
public struct Require: CleanRuleConvertible {
    public let rule: CleanRule
    public init(_ fields: String...) { rule = .require(fields) }
}

/// Rejects records whose field lies outside the closed range.
public struct InRange: CleanRuleConvertible {
    public let rule: CleanRule
    public init(_ field: String, _ range: ClosedRange<Double>, allowNull: Bool = false) {
        rule = .inRange(field: field, min: range.lowerBound, max: range.upperBound, allowNull: allowNull)
    }
}

/// Rejects records for which the condition holds: `Drop(where: Col("status") == "err")`.
public struct Drop: CleanRuleConvertible {
    public let rule: CleanRule
    public init(where condition: Expr) { rule = .drop(condition) }
}

/// Rejects records for which the condition does not hold.
public struct Keep: CleanRuleConvertible {
    public let rule: CleanRule
    public init(where condition: Expr) { rule = .keep(condition) }
}

/// Converts a field's type (e.g. numbers sent as strings); failures are rejected.
public struct Coerce: CleanRuleConvertible {
    public let rule: CleanRule
    public init(_ field: String, to type: DataType) { rule = .coerce(field: field, to: type) }
}

/// Rejects repeats of a key among the last `capacity` distinct keys.
public struct Dedupe: CleanRuleConvertible {
    public let rule: CleanRule
    public init(on fields: String..., capacity: Int = 1_000_000) { rule = .dedupe(on: fields, capacity: capacity) }
}
