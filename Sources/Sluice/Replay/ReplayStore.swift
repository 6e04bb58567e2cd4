#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The single-threaded core of a ``ReplayBuffer``: the directory listing,
/// the memory tail, sealing, eviction and the counters. ``ReplayBuffer``
/// owns it behind a mutex; nothing here is thread-safe by itself.
final class ReplayStore {
    let directory: String
    let options: ReplayOptions
    let writable: Bool
    private var lock: DirectoryLock?
    private let zstd: Zstd
    /// Segment files, oldest first.
    private(set) var segments: [ReplaySegmentInfo] = []
    private(set) var recordsOnDisk = 0
    private(set) var bytesOnDisk = 0
    private var nextSequence: UInt64 = 1
    private var tail: ReplayTail?
    private(set) var stats = ReplayStats()
    private(set) var closed = false
    // Reused between seals: the payload and the compressed bytes of one segment.
    private var payloadScratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var compressedScratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    /// Opens `directory` (a canonical path). A writer creates it and takes its lock; a reader needs it to exist.
    init(directory: String, options: ReplayOptions, writable: Bool) throws(ReplayError) {
        try options.validate()
        self.directory = directory
        self.options = options
        self.writable = writable
        self.zstd = Zstd(level: Int32(options.compressionLevel))
        if writable {
            try ReplayFileSystem.makeDirectories(directory)
            lock = try DirectoryLock(directory: directory, timeout: options.lockTimeout)
        } else if !ReplayFileSystem.isDirectory(directory) {
            throw .notFound(path: directory)
        }
        try scan(removeTemporaries: writable)
        if writable { try enforceBounds() }
    }

    deinit { releaseScratch() }

    private func releaseScratch() {
        payloadScratch.deallocate()
        compressedScratch.deallocate()
        payloadScratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        compressedScratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }

    /// `buffer` if it holds `size` bytes, else a new, larger one (the old one freed).
    private static func ensure(_ buffer: inout UnsafeMutableRawBufferPointer, _ size: Int) {
        guard buffer.count < size else { return }
        buffer.deallocate()
        buffer = .allocate(byteCount: size + size / 4, alignment: 16)
    }

    var recordsInMemory: Int { tail?.rows ?? 0 }
    var count: Int { recordsOnDisk + recordsInMemory }
    var memoryBytesUsed: Int { tail?.byteCount ?? 0 }

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

    func append(_ batch: Batch, slots: [Int]) throws(ReplayError) {
        guard writable else { throw .readOnly(path: directory) }
        guard !closed else { throw .closed(path: directory) }
        let n = batch.selectedCount
        guard n > 0 else { return }
        for slot in slots { precondition(slot >= 0 && slot < batch.columns.count, "slot \(slot) is not a column of the batch") }
        let tail: ReplayTail
        if let current = self.tail, current.fields.count == slots.count,
           zip(current.fields, slots).allSatisfy({ pair in pair.0 == batch.schema.fields[pair.1] }) {
            tail = current
        } else {
            // A segment holds one schema: a different one starts a new segment.
            try seal()
            tail = ReplayTail(fields: slots.map { batch.schema.fields[$0] })
            self.tail = tail
        }
        let segmentRecords = options.effectiveSegmentRecords
        var done = 0
        while done < n {
            if tail.rows >= segmentRecords || tail.byteCount >= options.memoryBytes { try seal() }
            let byMemory = max(1, (options.memoryBytes - tail.byteCount) / tail.fixedBytesPerRow)
            let take = min(n - done, segmentRecords - tail.rows, byMemory)
            tail.append(batch, slots: slots, first: done, count: take)
            done += take
            stats.recordsAppended += Int64(take)
            if tail.rows >= segmentRecords || tail.byteCount >= options.memoryBytes { try seal() }
            try enforceBounds()
        }
    }

    /// Writes the memory tail as a segment (nothing if it is empty).
    func seal() throws(ReplayError) {
        guard writable, let tail, tail.rows > 0 else { return }
        let start = monotonicSeconds()
        let size = tail.payloadSize
        Self.ensure(&payloadScratch, size)
        Self.ensure(&compressedScratch, Zstd.compressBound(size))
        tail.encodePayload(into: payloadScratch.baseAddress!)
        let sequence = nextSequence
        let name = SegmentFormat.fileName(sequence: sequence)
        let temporary = directory + "/" + SegmentFormat.temporaryPrefix + "\(sequence).tmp-\(getpid())"
        let written = try SegmentFile.write(payload: UnsafeRawBufferPointer(rebasing: payloadScratch[0..<size]), records: tail.rows,
                                            path: directory + "/" + name, temporary: temporary, directory: directory,
                                            zstd: zstd, scratch: compressedScratch)
        nextSequence += 1
        segments.append(ReplaySegmentInfo(sequence: sequence, fileName: name, records: tail.rows, bytes: written.fileSize, corruption: nil))
        recordsOnDisk += tail.rows
        bytesOnDisk += written.fileSize
        stats.segmentsWritten += 1
        stats.bytesBeforeCompression += Int64(size)
        stats.bytesAfterCompression += Int64(written.fileSize)
        tail.reset()
        stats.spillSeconds += monotonicSeconds() - start
    }

    /// Seals the tail and releases the directory. Idempotent.
    func close() throws(ReplayError) {
        guard !closed else { return }
        defer {
            closed = true
            lock = nil
            tail = nil
            releaseScratch()
        }
        try seal()
    }

    private func enforceBounds() throws(ReplayError) {
        while count > options.maxRecords, !segments.isEmpty { try evictOldest() }
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

    /// The segments and a copy of the tail, for a replay outside the lock.
    /// A reader lists the directory again first, so it sees what the writer has sealed since.
    func snapshot() throws(ReplayError) -> ReplaySnapshot {
        if !writable { try scan(removeTemporaries: false) }
        let tailPayload = (tail?.rows ?? 0) > 0 ? tail!.encodedPayload() : nil
        return ReplaySnapshot(directory: directory, segments: segments, tailPayload: tailPayload)
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
