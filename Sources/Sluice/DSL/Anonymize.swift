/// Privacy before data leaves the device, rule by rule, in order:
///
/// ```swift
/// Anonymize {
///     RemoveField("email")
///     Mask("phone", keepLast: 4)
///     Pseudonymize("user_id", salt: deviceSalt)
/// }
/// ```
public struct Anonymize: PipelineStep {
    public let steps: [Step]
    public init(@AnonymizeRuleBuilder _ rules: () -> [AnonymizeRule]) { steps = [.anonymize(rules())] }
}

@resultBuilder
public enum AnonymizeRuleBuilder {
    public static func buildExpression(_ rule: some AnonymizeRuleConvertible) -> [AnonymizeRule] { [rule.rule] }
    public static func buildBlock(_ parts: [AnonymizeRule]...) -> [AnonymizeRule] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [AnonymizeRule]?) -> [AnonymizeRule] { part ?? [] }
    public static func buildArray(_ parts: [[AnonymizeRule]]) -> [AnonymizeRule] { parts.flatMap { $0 } }
}

public protocol AnonymizeRuleConvertible { var rule: AnonymizeRule { get } }

/// The field disappears: no later step and no output sees it.
public struct RemoveField: AnonymizeRuleConvertible {
    public let rule: AnonymizeRule
    public init(_ field: String) { rule = .drop(field) }
}

/// All but the last `keepLast` characters replaced by `with`.
public struct Mask: AnonymizeRuleConvertible {
    public let rule: AnonymizeRule
    public init(_ field: String, keepLast: Int = 0, with: String = "*") { rule = .mask(field: field, keepLast: keepLast, with: with) }
}

/// The value replaced by its salted (keyed) hash: still groups and counts, no longer identifies.
public struct Pseudonymize: AnonymizeRuleConvertible {
    public let rule: AnonymizeRule
    public init(_ field: String, salt: String, as output: String? = nil) { rule = .hash(field: field, salt: salt, as: output) }
}
