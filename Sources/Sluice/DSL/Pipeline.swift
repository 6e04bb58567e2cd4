/// A pipeline written in Swift. The body reads like the data flow:
///
/// ```swift
/// let sensorFeatures = Pipeline("sensor-features", schema: Schema {
///     Field("sensor_id", .string); Field("ts", .int64)
///     Field("temp", .float64); Field("humidity", .float64); Field("status", .string)
/// }) {
///     Clean {
///         Require("temp", "humidity")
///         InRange("temp", -50...150)
///         Drop(where: Col("status") == "err")
///     }
///     Normalize { ZScore("temp", mean: 20, std: 10, as: "temp_z") }
///     Derive("feat", Col("temp_z") * Col("hum_n"))
///     Window(.tumbling(.seconds(10)), by: "sensor_id", time: "ts") { Count(); Mean("temp_z") }
/// }
/// ```
///
/// A `Pipeline` is only a description: its ``spec`` is the same `Codable`
/// logical plan that `sluice run --spec` reads. ``PlanCompiler`` turns it into
/// a runnable physical plan.
public struct Pipeline: Sendable {
    public var spec: PipelineSpec

    public init(_ name: String, summary: String? = nil, schema: Schema, batchSize: Int? = nil, @PipelineBuilder _ steps: () -> [Step]) {
        spec = PipelineSpec(name: name, summary: summary, schema: schema, steps: steps(), batchSize: batchSize)
    }

    public init(spec: PipelineSpec) { self.spec = spec }

    public var name: String { spec.name }
}

/// Something that contributes steps to a pipeline body.
public protocol PipelineStep {
    var steps: [Step] { get }
}

@resultBuilder
public enum PipelineBuilder {
    public static func buildExpression(_ step: some PipelineStep) -> [Step] { step.steps }
    public static func buildExpression(_ step: Step) -> [Step] { [step] }
    public static func buildBlock(_ parts: [Step]...) -> [Step] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Step]?) -> [Step] { part ?? [] }
    public static func buildEither(first: [Step]) -> [Step] { first }
    public static func buildEither(second: [Step]) -> [Step] { second }
    public static func buildArray(_ parts: [[Step]]) -> [Step] { parts.flatMap { $0 } }
}

/// Adds a field computed by an expression: `Derive("feat", Col("temp_z") * Col("hum_n"))`.
public struct Derive: PipelineStep {
    public let steps: [Step]
    public init(_ name: String, _ expr: Expr) { steps = [.derive(name: name, expr: expr)] }
}

/// Keeps only these fields, in this order.
public struct Select: PipelineStep {
    public let steps: [Step]
    public init(_ fields: String...) { steps = [.select(fields)] }
    public init(_ fields: [String]) { steps = [.select(fields)] }
}
