/// A bounded buffer of the most recent records that passed through a
/// pipeline, kept so that a later job — typically model retraining — can
/// replay exactly the data the pipeline saw, oldest first.
///
/// **Why.** Retraining wants "the last N records as the pipeline saw them"
/// (after cleaning and features, at the point a `retain` step sits), not the
/// raw input files, which may be gone, huge, or lack the derived fields.
///
/// **Storage.** The newest records live in an in-memory, columnar tail. A
/// full tail (half of ``ReplayOptions/memoryBytes``, or
/// ``ReplayOptions/effectiveSegmentRecords``) is sealed into a segment file
/// in ``directory`` — columnar, zstd-compressed, checksummed, written
/// atomically (the format is documented on `SegmentFormat` in the source)
/// — by a background thread, so appending costs the caller one copy of the rows;
/// the caller waits only if a second tail fills while the first is still
/// being written. When the total exceeds
/// ``ReplayOptions/maxRecords`` (or the files exceed
/// ``ReplayOptions/maxBytes``) the oldest segments are deleted, and counted in
/// ``stats``.
///
/// **Contract.**
/// - ``append(_:slots:)`` copies the selected rows of a batch; the batch is not retained.
/// - ``replay(_:)`` hands every retained record to its body exactly once, in
///   append order: the segments on disk, then the records still in memory. It sees a
///   consistent cut taken when it starts; appends made meanwhile are not in it.
/// - A corrupt segment (checksum mismatch, truncation, bad format) is skipped
///   and reported in the ``ReplayReport`` and ``ReplayStats/corruptSegments``;
///   replay never traps on bad data.
/// - Opening a directory that holds segments continues after them, so a later
///   process can replay (``init(readingFrom:options:)``) or extend what an
///   earlier one left. One writer per directory: a writer holds a lock on it,
///   a second writer gets ``ReplayError/directoryLocked(path:holder:)``.
///   Readers need no lock.
/// - ``close()`` (or ``flush()``) writes the memory tail to disk; `deinit` does
///   too, ignoring errors, so records are not lost when the owner simply goes away.
/// - A segment that cannot be written (disk full, directory gone) is not
///   retried: its records are counted in ``ReplayStats/recordsLost`` and the
///   error is sticky — every later append, flush and close throws it.
///
/// All methods are thread-safe, so shards of a parallel run can share one
/// buffer (``shared(directory:options:)``); appends from different threads
/// interleave batch by batch.
public final class ReplayBuffer: @unchecked Sendable {
    // Safe: `store` is only touched with `lock` held, and writers also hold `writer`, so none is overtaken while it waits in the store.
    /// The directory, as an absolute path.
    public let directory: String
    public let options: ReplayOptions
    public let isReadOnly: Bool
    private let lock = Monitor()
    /// Serializes writers; its condition variable is unused.
    private let writer = Monitor()
    private let store: ReplayStore
    private let sealer: ReplaySealer?

    /// Opens `directory` for appending, creating it if needed and continuing after
    /// the segments already there; it stays locked against other writers until ``close()``.
    public init(directory: String, options: ReplayOptions = ReplayOptions()) throws(ReplayError) {
        try ReplayFileSystem.makeDirectories(directory)
        let path = ReplayFileSystem.canonicalPath(directory)
        store = try ReplayStore(directory: path, options: options, writable: true, lock: lock)
        sealer = ReplaySealer(store: store, lock: lock)
        self.directory = path
        self.options = options
        self.isReadOnly = false
    }

    /// Opens an existing directory to replay it, without locking it: a writer may go on
    /// appending (each replay lists the directory again). Only the read options matter.
    public init(readingFrom directory: String, options: ReplayOptions = ReplayOptions()) throws(ReplayError) {
        guard ReplayFileSystem.isDirectory(directory) else { throw .notFound(path: directory) }
        let path = ReplayFileSystem.canonicalPath(directory)
        store = try ReplayStore(directory: path, options: options, writable: false, lock: lock)
        sealer = nil
        self.directory = path
        self.options = options
        self.isReadOnly = true
    }

    deinit {
        try? close()
    }

    /// The process-wide writer of `directory`: the open buffer if this process
    /// has one (its options must equal `options`), else a new one. This is how
    /// the `retain` operators of several shards or plans share a directory.
    public static func shared(directory: String, options: ReplayOptions = ReplayOptions()) throws(ReplayError) -> ReplayBuffer {
        try ReplayBufferRegistry.buffer(directory: directory, options: options)
    }

    private func writing<T>(_ body: (ReplayStore) throws(ReplayError) -> T) throws(ReplayError) -> T {
        try writer.withLock { () throws(ReplayError) -> T in
            try lock.withLock { () throws(ReplayError) -> T in try body(store) }
        }
    }

    private func reading<T>(_ body: (ReplayStore) -> T) -> T {
        lock.withLock { body(store) }
    }

    /// Appends the selected rows of `batch`, reading the columns in `slots`
    /// (their names and types from `batch.schema`), in selection order.
    public func append(_ batch: Batch, slots: [Int]) throws(ReplayError) {
        try writing { store throws(ReplayError) in try store.append(batch, slots: slots) }
    }

    /// Appends the selected rows of `batch`, every column.
    public func append(_ batch: Batch) throws(ReplayError) {
        try append(batch, slots: Array(batch.columns.indices))
    }

    /// Writes the records in memory to segments now, and waits until they are on disk.
    public func flush() throws(ReplayError) {
        guard !isReadOnly else { return }
        try writing { store throws(ReplayError) in try store.flush() }
    }

    /// Flushes, stops the sealer thread and releases the directory; later appends throw.
    /// Replay still works. Idempotent.
    public func close() throws(ReplayError) {
        try writer.withLock { () throws(ReplayError) in
            let result = lock.withLock { Result { () throws(ReplayError) in try store.close() } }
            sealer?.join()
            try result.get()
        }
    }

    public var isClosed: Bool { reading { $0.closed } }

    /// Records retained: on disk (in segments not known to be corrupt) and in memory.
    public var count: Int { reading { $0.count } }
    public var recordsOnDisk: Int { reading { $0.recordsOnDisk } }
    /// Records not on disk yet: the tail being filled and any tail being written.
    public var recordsInMemory: Int { reading { $0.recordsInMemory } }
    /// Bytes of the memory tails.
    public var memoryBytesUsed: Int { reading { $0.memoryBytesUsed } }
    /// Bytes of segment files.
    public var bytesOnDisk: Int { reading { $0.bytesOnDisk } }
    /// The segment files, oldest first.
    public var segments: [ReplaySegmentInfo] { reading { $0.segments } }
    public var stats: ReplayStats { reading { $0.stats } }

    /// Calls `body` with every retained record, oldest first, in batches of up to
    /// ``ReplayOptions/replayBatchSize`` rows; a batch is reused and valid only during the call.
    /// Batches hold the columns as appended (a segment's schema; it changes only where the
    /// appended schema did); `sourceName` is the segment file (or `memory`), `recordNumbers`
    /// count from 1 across the replay. Corrupt segments are skipped and reported; an error
    /// thrown by `body` stops the replay and is rethrown.
    @discardableResult
    public func replay(_ body: (Batch) throws -> Void) throws -> ReplayReport {
        let snapshot = try lock.withLock { () throws(ReplayError) in try store.snapshot() }
        var report = ReplayReport()
        var corrupt: [(sequence: UInt64, reason: String)] = []
        defer {
            if !corrupt.isEmpty {
                let found = corrupt
                reading { $0.markCorrupt(found) }
            }
        }
        let zstd = Zstd(level: Int32(options.compressionLevel))
        var next: Int64 = 1
        for segment in snapshot.segments {
            if let reason = segment.corruption {
                report.skipped.append(ReplaySkippedSegment(fileName: segment.fileName, reason: reason, corrupt: true))
                continue
            }
            let path = snapshot.directory + "/" + segment.fileName
            switch SegmentFile.load(path, zstd: zstd) {
            case nil:
                report.skipped.append(ReplaySkippedSegment(fileName: segment.fileName, reason: "deleted by eviction during the replay", corrupt: false))
            case .failure(let corruption):
                report.skipped.append(ReplaySkippedSegment(fileName: segment.fileName, reason: corruption.reason, corrupt: true))
                corrupt.append((segment.sequence, corruption.reason))
            case .success(let loaded):
                try loaded.payload.withUnsafeBytes { payload in
                    try loaded.reader.forEachBatch(payload, batchSize: options.replayBatchSize, sourceName: path, firstRecord: next) {
                        report.batches += 1
                        try body($0)
                    }
                }
                next += Int64(loaded.reader.records)
                report.records += loaded.reader.records
                report.segmentsReplayed += 1
            }
        }
        for tail in snapshot.memoryPayloads {
            try tail.withUnsafeBytes { payload in
                // Encoded by this process a moment ago: a failure here is a bug, not damage.
                let reader: SegmentPayloadReader
                do { reader = try SegmentPayloadReader(payload) } catch { preconditionFailure("replay tail does not parse: \(error)") }
                try reader.forEachBatch(payload, batchSize: options.replayBatchSize, sourceName: "memory", firstRecord: next) {
                    report.batches += 1
                    try body($0)
                }
                next += Int64(reader.records)
                report.records += reader.records
                report.recordsFromMemory += reader.records
            }
        }
        return report
    }
}
