/// The state of a ``ReplayBuffer``: the directory listing, the memory tail,
/// the queue of full tails for the sealer thread, eviction and the counters.
///
/// Not thread-safe by itself: every method must be called with ``lock``
/// held (``ReplayBuffer`` and ``ReplaySealer`` do). Methods that wait
/// (backpressure, flush) release the lock while waiting, through
/// ``Monitor/wait()``, and re-check the state after it.
final class ReplayStore {
    let directory: String
    let options: ReplayOptions
    let writable: Bool
    let lock: Monitor
    private var directoryLock: DirectoryLock?
    /// Segment files, oldest first.
    private(set) var segments: [ReplaySegmentInfo] = []
    private(set) var recordsOnDisk = 0
    private(set) var bytesOnDisk = 0
    private var nextSequence: UInt64 = 1
    /// The tail being filled.
    private var tail: ReplayTail?
    /// Full tails for the sealer, oldest first; the first is being written. Still counted as retained.
    private(set) var queue: [ReplaySealJob] = []
    private var queuedRecords = 0
    /// Emptied tails, reused for the same fields.
    private var spare: ReplayTail?
    /// The first error of the sealer thread; every later write operation throws it.
    private var sealerError: ReplayError?
    private(set) var stats = ReplayStats()
    private(set) var closed = false
    /// Tells the sealer thread to end once the queue is empty.
    private(set) var stopping = false

    /// Opens `directory` (a canonical path). A writer creates it and takes its lock; a reader needs it to exist.
    init(directory: String, options: ReplayOptions, writable: Bool, lock: Monitor) throws(ReplayError) {
        try options.validate()
        self.directory = directory
        self.options = options
        self.writable = writable
        self.lock = lock
        if writable {
            try ReplayFileSystem.makeDirectories(directory)
            directoryLock = try DirectoryLock(directory: directory, timeout: options.lockTimeout)
        } else if !ReplayFileSystem.isDirectory(directory) {
            throw .notFound(path: directory)
        }
        try scan(removeTemporaries: writable)
        if writable {
            while count > options.maxRecords, !segments.isEmpty { try evictOldest() }
            try enforceDiskBound()
        }
    }

    var recordsInMemory: Int { queuedRecords + (tail?.rows ?? 0) }
    var count: Int { recordsOnDisk + recordsInMemory }
    var memoryBytesUsed: Int { queue.reduce(tail?.byteCount ?? 0) { $0 + $1.tail.byteCount } }

    /// A tail is sealed at half the memory bound: one filling plus one being written stay within it.
    private var tailBytes: Int { max(1, options.memoryBytes / 2) }

    /// Lists the directory: segments by sequence, their headers checked (payloads are checked on replay).
    private func scan(removeTemporaries: Bool) throws(ReplayError) {
        // Corruption found by an earlier replay (a bad payload behind a good header) is remembered
        // across listings, as long as the file is the same size.
        var knownCorrupt: [UInt64: ReplaySegmentInfo] = [:]
        for s in segments where s.isCorrupt { knownCorrupt[s.sequence] = s }
        var found: [ReplaySegmentInfo] = []
        for name in try ReplayFileSystem.list(directory) {
            if let sequence = SegmentFormat.sequence(ofFileName: name) {
                guard let listing = try SegmentFile.inspect(directory + "/" + name) else { continue }
                if let known = knownCorrupt[sequence], known.bytes == listing.fileSize {
                    found.append(known)
                    continue
                }
                let records = listing.corruption == nil ? Int(clamping: listing.header?.records ?? 0) : 0
                found.append(ReplaySegmentInfo(sequence: sequence, fileName: name, records: records,
                                               bytes: listing.fileSize, corruption: listing.corruption?.reason))
            } else if removeTemporaries && name.hasPrefix(SegmentFormat.temporaryPrefix) {
                // A writer that died mid-seal; we hold the lock, so nobody is writing it now.
                try ReplayFileSystem.remove(directory + "/" + name)
            }
        }
        found.sort { $0.sequence < $1.sequence }
        segments = found
        recordsOnDisk = found.reduce(0) { $0 + $1.records }
        bytesOnDisk = found.reduce(0) { $0 + $1.bytes }
        stats.corruptSegments += found.filter { $0.isCorrupt && knownCorrupt[$0.sequence] == nil }.count
        if let last = found.last { nextSequence = max(nextSequence, last.sequence + 1) }
    }

    private func checkWritable() throws(ReplayError) {
        guard writable else { throw .readOnly(path: directory) }
        guard !closed else { throw .closed(path: directory) }
        if let sealerError { throw sealerError }
    }

    func append(_ batch: Batch, slots: [Int]) throws(ReplayError) {
        try checkWritable()
        let n = batch.selectedCount
        guard n > 0 else { return }
        for slot in slots { precondition(slot >= 0 && slot < batch.columns.count, "slot \(slot) is not a column of the batch") }
        if let current = tail, current.fields.count == slots.count,
           zip(current.fields, slots).allSatisfy({ pair in pair.0 == batch.schema.fields[pair.1] }) {
            // Same fields: keep filling.
        } else {
            // A segment holds one schema: a different one starts a new segment.
            try enqueueTail()
            tail = ReplayTail(fields: slots.map { batch.schema.fields[$0] })
        }
        let segmentRecords = options.effectiveSegmentRecords
        var done = 0
        while done < n {
            var tail = self.tail!
            if tail.rows >= segmentRecords || tail.byteCount >= tailBytes {
                try enqueueTail()
                tail = self.tail!
            }
            let byMemory = max(1, (tailBytes - tail.byteCount) / tail.bytesPerRow)
            let take = min(n - done, segmentRecords - tail.rows, byMemory)
            // Make room first, oldest segments first, so the bound holds at every moment. Queued
            // tails are newer than every segment: once all segments are gone, wait for the sealer
            // to turn the oldest queued tail into a segment that can go.
            while count + take > options.maxRecords {
                if !segments.isEmpty {
                    try evictOldest()
                } else if !queue.isEmpty {
                    lock.wait()
                    if let sealerError { throw sealerError }
                } else {
                    break  // only the tail is left, and a tail never exceeds the bound
                }
            }
            tail.append(batch, slots: slots, first: done, count: take)
            done += take
            stats.recordsAppended += Int64(take)
        }
    }

    /// Hands the tail, if it holds records, to the sealer and starts a fresh one; first waits
    /// while a previous tail is still queued (at most one tail waits besides the one being filled).
    private func enqueueTail() throws(ReplayError) {
        guard let full = tail, full.rows > 0 else { return }
        while !queue.isEmpty {
            lock.wait()
            if let sealerError { throw sealerError }
        }
        queue.append(ReplaySealJob(sequence: nextSequence, tail: full))
        nextSequence += 1
        queuedRecords += full.rows
        if let reusable = spare, reusable.fields == full.fields {
            tail = reusable
        } else {
            tail = ReplayTail(fields: full.fields)
        }
        spare = nil
        lock.broadcast()
    }

    /// Called by the sealer with a queued job's outcome (the job is at the head of the queue).
    func completeSeal(_ job: ReplaySealJob, _ result: Result<(fileSize: Int, payloadSize: Int), ReplayError>, seconds: Double) {
        precondition(queue.first?.sequence == job.sequence, "seals complete in queue order")
        queue.removeFirst()
        queuedRecords -= job.tail.rows
        stats.spillSeconds += seconds
        switch result {
        case .success(let written):
            segments.append(ReplaySegmentInfo(sequence: job.sequence, fileName: SegmentFormat.fileName(sequence: job.sequence),
                                              records: job.tail.rows, bytes: written.fileSize, corruption: nil))
            recordsOnDisk += job.tail.rows
            bytesOnDisk += written.fileSize
            stats.segmentsWritten += 1
            stats.bytesBeforeCompression += Int64(written.payloadSize)
            stats.bytesAfterCompression += Int64(written.fileSize)
            do { try enforceDiskBound() } catch { sealerError = sealerError ?? error }
        case .failure(let error):
            stats.recordsLost += Int64(job.tail.rows)
            sealerError = sealerError ?? error
        }
        job.tail.reset()
        spare = job.tail
    }

    /// Queues the memory tail and waits until every queued tail is on disk.
    func flush() throws(ReplayError) {
        try checkWritable()
        try enqueueTail()
        while !queue.isEmpty { lock.wait() }
        if let sealerError { throw sealerError }
    }

    /// Flushes and releases the directory; tells the sealer thread to end (the caller joins it).
    /// Idempotent; the first flush error is thrown, the directory released all the same.
    func close() throws(ReplayError) {
        guard !closed else { return }
        defer {
            closed = true
            stopping = true
            directoryLock = nil
            tail = nil
            spare = nil
            lock.broadcast()
        }
        if writable {
            if sealerError == nil { try? enqueueTail() }
            while !queue.isEmpty { lock.wait() }
            if let sealerError { throw sealerError }
        }
    }

    private func enforceDiskBound() throws(ReplayError) {
        if let maxBytes = options.maxBytes {
            while bytesOnDisk > maxBytes, !segments.isEmpty { try evictOldest() }
        }
    }

    private func evictOldest() throws(ReplayError) {
        let oldest = segments[0]
        try ReplayFileSystem.remove(directory + "/" + oldest.fileName)
        segments.removeFirst()
        recordsOnDisk -= oldest.records
        bytesOnDisk -= oldest.bytes
        stats.recordsEvicted += Int64(oldest.records)
        stats.segmentsEvicted += 1
    }

    /// The segments and copies of the memory tails, for a replay outside the lock.
    /// A reader lists the directory again first, so it sees what the writer has sealed since.
    func snapshot() throws(ReplayError) -> ReplaySnapshot {
        if !writable { try scan(removeTemporaries: false) }
        var memory = queue.map { $0.tail.encodedPayload() }
        if let tail, tail.rows > 0 { memory.append(tail.encodedPayload()) }
        return ReplaySnapshot(directory: directory, segments: segments, memoryPayloads: memory)
    }

    /// Records segments a replay found corrupt: they no longer count as records (they stay
    /// on disk, reported, until eviction reaches them).
    func markCorrupt(_ found: [(sequence: UInt64, reason: String)]) {
        for (sequence, reason) in found {
            guard let i = segments.firstIndex(where: { $0.sequence == sequence }), !segments[i].isCorrupt else { continue }
            recordsOnDisk -= segments[i].records
            segments[i].records = 0
            segments[i].corruption = reason
            stats.corruptSegments += 1
        }
    }
}
