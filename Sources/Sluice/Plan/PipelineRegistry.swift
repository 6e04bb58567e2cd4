/// The pipelines a binary knows by name (`sluice list`, `sluice run NAME`).
public struct PipelineRegistry: Sendable {
    public private(set) var pipelines: [Pipeline]

    public init(_ pipelines: [Pipeline]) {
        self.pipelines = []
        for p in pipelines { register(p) }
    }

    /// Adds a pipeline; a later one with the same name replaces the earlier.
    public mutating func register(_ pipeline: Pipeline) {
        if let i = pipelines.firstIndex(where: { $0.name == pipeline.name }) {
            pipelines[i] = pipeline
        } else {
            pipelines.append(pipeline)
        }
    }

    public func named(_ name: String) -> Pipeline? {
        pipelines.first { $0.name == name }
    }

    public var names: [String] { pipelines.map(\.name) }
}
