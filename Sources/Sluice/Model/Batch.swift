/// A columnar micro-batch: up to `capacity` rows, one ``Column`` per field of
/// its layout, and a selection vector.
///
/// Filters never move data: they shrink `selection`, the ascending list of
/// row indices still alive. Kernels loop over `selection[0..<selectedCount]`.
///
/// Every row also remembers where it came from (record bytes, line, byte
/// offset), so a record rejected anywhere in the plan reaches the dead-letter
/// output with its original text and position.
///
/// Batches are allocated once per pipeline run and reused (`reset()`), so the
/// steady state allocates nothing per record.
public final class Batch: @unchecked Sendable {
    // Safe: a batch is owned by exactly one stage at a time and handed over, never shared.
    public let schema: Schema
    public let capacity: Int
    public let columns: [Column]
    public let arena: ByteArena
    /// Rows decoded into the batch (selected or not).
    @exclusivity(unchecked) public var count: Int = 0
    public let selection: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) public var selectedCount: Int = 0

    // Provenance of each row, for dead letters.
    /// 1-based record number in the source (line number for line formats).
    public let recordNumbers: UnsafeMutablePointer<Int64>
    /// Byte offset of the record in the source.
    public let recordOffsets: UnsafeMutablePointer<Int64>
    /// Start and length of the record's bytes within `recordBytes`.
    public let recordStarts: UnsafeMutablePointer<Int>
    public let recordLengths: UnsafeMutablePointer<Int32>
    /// The source bytes the record positions point into; valid while the batch is processed.
    @exclusivity(unchecked) public var recordBytes: UnsafeRawPointer?
    public var sourceName: String = ""
    /// The source partition every row of this batch came from (Kafka: the topic partition), or -1.
    public var sourcePartition: Int32 = -1
    /// How many partitions the source has (0: unpartitioned), for per-partition watermarks.
    public var partitionCount: Int32 = 0
    /// Partitions that delivered their last record with or before this batch (bounded inputs).
    public var finishedPartitions: [Int32] = []
    /// A view shares another batch's columns and provenance and owns only its selection.
    private let isView: Bool

    public init(schema: Schema, capacity: Int, dictionaries: [String: KeyDictionary] = [:]) {
        precondition(capacity > 0 && capacity <= Int(Int32.max))
        self.schema = schema
        self.capacity = capacity
        self.columns = schema.fields.map { Column($0, capacity: capacity, dictionary: dictionaries[$0.name]) }
        self.arena = ByteArena()
        self.selection = .allocate(capacity: capacity)
        self.recordNumbers = .allocate(capacity: capacity)
        self.recordOffsets = .allocate(capacity: capacity)
        self.recordStarts = .allocate(capacity: capacity)
        self.recordLengths = .allocate(capacity: capacity)
        self.recordNumbers.initialize(repeating: 0, count: capacity)
        self.recordOffsets.initialize(repeating: 0, count: capacity)
        self.recordStarts.initialize(repeating: 0, count: capacity)
        self.recordLengths.initialize(repeating: 0, count: capacity)
        self.isView = false
    }

    /// A view of `batch`: the same columns, arena and provenance (read-only by contract), with
    /// a selection of its own. In a parallel run each shard reads the rows of its keys from a
    /// decoded batch through its own view, so no rows are copied.
    public init(viewOf batch: Batch) {
        schema = batch.schema
        capacity = batch.capacity
        columns = batch.columns
        arena = batch.arena
        selection = .allocate(capacity: batch.capacity)
        recordNumbers = batch.recordNumbers
        recordOffsets = batch.recordOffsets
        recordStarts = batch.recordStarts
        recordLengths = batch.recordLengths
        isView = true
    }

    /// Makes the view's rows and provenance match its batch after that batch was (re)filled.
    public func syncView(with batch: Batch) {
        count = batch.count
        recordBytes = batch.recordBytes
        sourceName = batch.sourceName
        sourcePartition = batch.sourcePartition
        partitionCount = batch.partitionCount
        finishedPartitions = batch.finishedPartitions
        selectedCount = 0
    }

    deinit {
        selection.deallocate()
        guard !isView else { return }
        recordNumbers.deallocate()
        recordOffsets.deallocate()
        recordStarts.deallocate()
        recordLengths.deallocate()
    }

    public func column(_ name: String) -> Column? {
        schema.index(of: name).map { columns[$0] }
    }

    /// Empties the batch for reuse.
    public func reset() {
        count = 0
        selectedCount = 0
        arena.reset()
        recordBytes = nil
    }

    /// Selects every decoded row; call after filling the batch.
    public func selectAll() {
        for i in 0..<count { selection[i] = Int32(truncatingIfNeeded: i) }
        selectedCount = count
    }

    @inlinable public var isFull: Bool { count >= capacity }

    /// The original bytes of a row's record, if its source kept them.
    public func recordText(_ row: Int) -> UnsafeRawBufferPointer {
        guard let base = recordBytes else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + recordStarts[row], count: Int(recordLengths[row]))
    }

    /// The selected row indices, for tests and slow paths.
    public var selectedRows: [Int] { (0..<selectedCount).map { Int(selection[$0]) } }
}
