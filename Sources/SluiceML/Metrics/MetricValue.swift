/// One metric of a ``PrequentialReport``: over the whole stream and over the
/// rolling window. `nil` where the metric is not defined yet (no rows, a
/// single class for ROC AUC, constant targets for R²).
public struct MetricValue: Sendable, Hashable, Codable, CustomStringConvertible {
    public var overall: Double?
    public var window: Double?

    public init(overall: Double?, window: Double?) {
        self.overall = overall
        self.window = window
    }

    public var description: String {
        func show(_ x: Double?) -> String { x.map { String($0) } ?? "n/a" }
        return "\(show(overall)) (window \(show(window)))"
    }
}
