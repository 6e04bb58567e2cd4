extension PhysicalPlan {
    /// Tells every ``FlushingOperator`` of every stage that the input has ended.
    /// Call after the windows' final flush (their output still flows through
    /// later stages' operators) and before closing the sink.
    public func finishOperators() throws {
        for stage in stages {
            for case let op as any FlushingOperator in stage.operators { try op.finish() }
        }
    }
}
