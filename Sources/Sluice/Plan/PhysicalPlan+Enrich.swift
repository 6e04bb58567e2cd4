extension PhysicalPlan {
    /// What each `enrich` step of this plan instance did so far, in step order
    /// (empty without enrich steps). A parallel run has one plan per worker: sum
    /// them with ``EnrichStatistics/merged(_:)``.
    public var enrichStatistics: [EnrichStatistics] {
        stages.flatMap(\.operators).compactMap { ($0 as? EnrichOperator)?.statistics }
    }
}
