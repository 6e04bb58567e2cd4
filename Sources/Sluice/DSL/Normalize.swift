/// A group of fixed-constant normalizations. Without `as:` a rule replaces its field.
public struct Normalize: PipelineStep {
    public let steps: [Step]
    public init(@NormalizeRuleBuilder _ rules: () -> [NormalizeRule]) { steps = [.normalize(rules())] }
}

public protocol NormalizeRuleConvertible {
    var rule: NormalizeRule { get }
}

@resultBuilder
public enum NormalizeRuleBuilder {
    public static func buildExpression(_ r: some NormalizeRuleConvertible) -> [NormalizeRule] { [r.rule] }
    public static func buildExpression(_ r: NormalizeRule) -> [NormalizeRule] { [r] }
    public static func buildBlock(_ parts: [NormalizeRule]...) -> [NormalizeRule] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [NormalizeRule]?) -> [NormalizeRule] { part ?? [] }
    public static func buildEither(first: [NormalizeRule]) -> [NormalizeRule] { first }
    public static func buildEither(second: [NormalizeRule]) -> [NormalizeRule] { second }
    public static func buildArray(_ parts: [[NormalizeRule]]) -> [NormalizeRule] { parts.flatMap { $0 } }
}

/// `(x - mean) / std`
public struct ZScore: NormalizeRuleConvertible {
    public let rule: NormalizeRule
    public init(_ field: String, mean: Double, std: Double, as output: String? = nil) {
        rule = .zScore(field: field, mean: mean, std: std, as: output)
    }
}

/// `(x - min) / (max - min)`: maps the range onto 0...1.
public struct MinMax: NormalizeRuleConvertible {
    public let rule: NormalizeRule
    public init(_ field: String, _ range: ClosedRange<Double>, as output: String? = nil) {
        rule = .minMax(field: field, min: range.lowerBound, max: range.upperBound, as: output)
    }
}

/// `x * factor`
public struct Scale: NormalizeRuleConvertible {
    public let rule: NormalizeRule
    public init(_ field: String, by factor: Double, as output: String? = nil) {
        rule = .scale(field: field, by: factor, as: output)
    }
}

/// `log(x + offset)`; records with `x + offset <= 0` are rejected.
public struct Log: NormalizeRuleConvertible {
    public let rule: NormalizeRule
    public init(_ field: String, offset: Double = 0, as output: String? = nil) {
        rule = .log(field: field, offset: offset, as: output)
    }
}

/// Limits `x` to the range.
public struct Clip: NormalizeRuleConvertible {
    public let rule: NormalizeRule
    public init(_ field: String, _ range: ClosedRange<Double>, as output: String? = nil) {
        rule = .clip(field: field, min: range.lowerBound, max: range.upperBound, as: output)
    }
}
