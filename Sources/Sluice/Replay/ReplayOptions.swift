/// The bounds and tuning of a ``ReplayBuffer``.
///
/// The record bound is hard: after every append the buffer holds at most
/// `maxRecords` records (memory tail plus disk). Records leave a whole
/// segment at a time, oldest first, so the buffer holds between
/// `maxRecords - segmentRecords` and `maxRecords` records once it has filled
/// up. Records in memory count too: if all segments are gone and room is still
/// needed, an append waits for the tail being written to land on disk. `maxBytes`, when set, bounds the segment files on disk the same way.
public struct ReplayOptions: Sendable, Hashable {
    /// The most records kept, in memory and on disk together.
    public var maxRecords: Int
    /// The most bytes of segment files kept on disk (`nil`: bounded by `maxRecords` only).
    /// A single segment larger than this is deleted too: the bound wins over the data.
    public var maxBytes: Int?
    /// Bytes of records in memory (values, validity, string bytes): a tail is sealed at
    /// half of this, so the tail being filled and the one being written fit in it (give or
    /// take string lengths that differ from those seen so far). The sealer thread's scratch
    /// buffers come on top: about one more tail, compressed and not.
    public var memoryBytes: Int
    /// zstd level for segments; 3 is zstd's default balance of speed and ratio.
    public var compressionLevel: Int
    /// The most records in one segment, the granularity of eviction
    /// (`nil`: an eighth of `maxRecords`, so at least 7/8 of the bound stays).
    public var segmentRecords: Int?
    /// Records per batch handed to ``ReplayBuffer/replay(_:)``.
    public var replayBatchSize: Int
    /// How long opening a directory waits for another writer to close it, in seconds.
    public var lockTimeout: Double

    public init(maxRecords: Int = 1_000_000, maxBytes: Int? = nil, memoryBytes: Int = 8 << 20,
                compressionLevel: Int = 3, segmentRecords: Int? = nil, replayBatchSize: Int = 4096,
                lockTimeout: Double = 2) {
        self.maxRecords = maxRecords
        self.maxBytes = maxBytes
        self.memoryBytes = memoryBytes
        self.compressionLevel = compressionLevel
        self.segmentRecords = segmentRecords
        self.replayBatchSize = replayBatchSize
        self.lockTimeout = lockTimeout
    }

    /// The segment size in records actually used.
    public var effectiveSegmentRecords: Int {
        min(maxRecords, max(1, segmentRecords ?? maxRecords / 8))
    }

    /// Checks every option's range.
    public func validate() throws(ReplayError) {
        guard maxRecords > 0 else { throw .invalidOptions("max records must be positive, got \(maxRecords)") }
        if let maxBytes, maxBytes <= 0 { throw .invalidOptions("max bytes must be positive, got \(maxBytes)") }
        guard memoryBytes > 0 else { throw .invalidOptions("memory must be positive, got \(memoryBytes)") }
        if let segmentRecords, segmentRecords <= 0 { throw .invalidOptions("segment records must be positive, got \(segmentRecords)") }
        guard replayBatchSize > 0 && replayBatchSize <= 1 << 20 else {
            throw .invalidOptions("replay batch size must be between 1 and 1048576, got \(replayBatchSize)")
        }
        let levels = Zstd.levels
        guard compressionLevel >= Int(levels.lowerBound) && compressionLevel <= Int(levels.upperBound) else {
            throw .invalidOptions("zstd level must be between \(levels.lowerBound) and \(levels.upperBound), got \(compressionLevel)")
        }
        guard lockTimeout >= 0 else { throw .invalidOptions("lock timeout must not be negative") }
    }
}
