/// The outcome of one ``ReplayBuffer/replay(_:)``.
public struct ReplayReport: Sendable, Hashable {
    /// Records handed to the body.
    public var records: Int = 0
    /// Batches handed to the body.
    public var batches: Int = 0
    /// Segment files replayed whole.
    public var segmentsReplayed: Int = 0
    /// Records replayed from the memory tail (after the segments).
    public var recordsFromMemory: Int = 0
    /// Segments skipped, in replay order: corrupt ones and ones evicted meanwhile.
    public var skipped: [ReplaySkippedSegment] = []

    public init() {}

    /// Corrupt segments skipped.
    public var corruptSegments: Int { skipped.filter(\.corrupt).count }
}
