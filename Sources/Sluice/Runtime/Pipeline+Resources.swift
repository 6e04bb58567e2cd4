extension Pipeline {
    /// Runs the pipeline over in-memory rows with `resources` (e.g. the lookup
    /// tables of `enrich` steps): like ``run(_:batchSize:)``, and the summary
    /// includes the enrich steps' statistics.
    ///
    /// ```swift
    /// let (rows, _, summary) = try pipeline.run(events, resources: .inMemory(["sensors": ["s1": ["north"]]]))
    /// ```
    public func run(_ rows: [[String: Value]], batchSize: Int? = nil, resources: PlanResources) throws -> (output: [[String: Value]], deadLetters: DeadLetters, summary: RunSummary) {
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(spec, deadLetters: letters, batchSize: batchSize, resources: resources)
        let sink = RowSink()
        let summary = try PipelineRunner(plan: plan, source: RowSource(rows), sink: sink, deadLetters: letters).run()
        return (sink.rows, letters, summary)
    }
}
