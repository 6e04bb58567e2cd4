/// What a ``ReplayBuffer`` did since it was opened (counters of this
/// instance; the records already in the directory are in ``ReplayBuffer/count``).
public struct ReplayStats: Sendable, Hashable {
    /// Records appended.
    public var recordsAppended: Int64 = 0
    /// Records deleted with their segment to respect the bounds.
    public var recordsEvicted: Int64 = 0
    /// Segments written (memory tail spills and final flushes).
    public var segmentsWritten: Int = 0
    /// Segments deleted to respect the bounds.
    public var segmentsEvicted: Int = 0
    /// Records dropped because their segment could not be written (the buffer then refuses appends).
    public var recordsLost: Int64 = 0
    /// Distinct segments found corrupt, when the directory was opened or replayed.
    public var corruptSegments: Int = 0
    /// Payload bytes of the segments written, before compression.
    public var bytesBeforeCompression: Int64 = 0
    /// File bytes of the segments written (header and compressed payload).
    public var bytesAfterCompression: Int64 = 0
    /// Seconds the sealer thread spent encoding, compressing and writing segments (off the appending threads).
    public var spillSeconds: Double = 0

    public init() {}

    /// Bytes before compression per byte written (0 before the first segment).
    public var compressionRatio: Double {
        bytesAfterCompression == 0 ? 0 : Double(bytesBeforeCompression) / Double(bytesAfterCompression)
    }
}
