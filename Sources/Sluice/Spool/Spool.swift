#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A durable store-and-forward queue of records on disk: what an edge agent writes its output to
/// while the upstream is away, and forwards from, in order, once it is back.
///
/// Records get consecutive sequence numbers. They collect in an open segment in memory, which is
/// sealed — compressed with zstd, checksummed, written atomically — when it reaches
/// ``SpoolOptions/segmentBytes``, on ``flush()``, or when the reader has caught up with it. A record
/// leaves the disk only once ``acknowledge(before:)`` says the upstream has it; the acknowledged
/// position is itself a small file, so a restart resumes with the first unacknowledged record
/// (records handed out but not acknowledged are handed out again: at-least-once). A segment that
/// fails its checks is moved to `quarantine/` and reported; the spool carries on with the next.
///
/// Thread-safe: one or more writers and a reader may use it concurrently.
public final class Spool: @unchecked Sendable {
    // Safe: every mutable field is accessed with `monitor` held.
    public let directory: String
    public let options: SpoolOptions
    /// Told about drops and quarantined segments (called with the spool's lock held: keep it short).
    public var onEvent: (@Sendable (SpoolEvent) -> Void)?

    private struct Sealed {
        let header: SpoolSegmentHeader
        let name: String
        let fileBytes: Int
    }

    private let monitor = Monitor()
    private let zstd: Zstd
    private var sealed: [Sealed] = []
    private var sealedBytes = 0
    private var tail: [UInt8] = []
    private var tailCount: UInt32 = 0
    private var tailFirstSequence: UInt64 = 0
    private var tailCreatedMilliseconds: Int64 = 0
    private var nextSequence: UInt64 = 0
    private var acknowledged: UInt64 = 0
    private var readCursor: UInt64 = 0
    private var decoded: (first: UInt64, records: [[UInt8]])?
    private var closed = false
    private var overflowing = false
    private var appended: Int64 = 0
    private var acknowledgedCount: Int64 = 0
    private var dropped: Int64 = 0
    private var quarantinedSegments = 0
    private var quarantinedRecords: Int64 = 0

    static let ackFile = "acknowledged"

    /// Opens (or creates) the spool in `directory`: reads every segment header, quarantines the ones
    /// that fail, deletes those already acknowledged and temporary files left by a crash.
    public init(directory: String, options: SpoolOptions = SpoolOptions(), onEvent: (@Sendable (SpoolEvent) -> Void)? = nil) throws(SpoolError) {
        if let problem = options.problem { throw .invalid(problem) }
        self.directory = directory
        self.options = options
        self.onEvent = onEvent
        zstd = Zstd(level: options.compressionLevel)
        do {
            try ReplayFileSystem.makeDirectories(directory)
            acknowledged = try Self.readAcknowledged(directory)
            var headers: [Sealed] = []
            for name in try ReplayFileSystem.list(directory).sorted() {
                let path = directory + "/" + name
                if name.hasPrefix(".") && name.hasSuffix(".tmp") {
                    try? ReplayFileSystem.remove(path)
                    continue
                }
                guard name.hasPrefix("segment-"), name.hasSuffix(".spool") else { continue }
                guard let (prefix, size) = try ReplayFileSystem.readPrefix(path, count: SpoolSegmentHeader.size) else { continue }
                switch SpoolSegmentHeader.decode(prefix) {
                case .success(let header):
                    headers.append(Sealed(header: header, name: name, fileBytes: size))
                case .failure(let why):
                    quarantineLocked(name, reason: why.description, records: 0)
                }
            }
            headers.sort { $0.header.firstSequence < $1.header.firstSequence }
            for segment in headers {
                if segment.header.endSequence <= acknowledged {
                    try? ReplayFileSystem.remove(directory + "/" + segment.name)
                } else {
                    sealed.append(segment)
                    sealedBytes += segment.fileBytes
                }
            }
        } catch {
            throw SpoolError.converted(error)
        }
        nextSequence = max(acknowledged, sealed.last?.header.endSequence ?? 0)
        readCursor = max(acknowledged, sealed.first?.header.firstSequence ?? acknowledged)
        tailFirstSequence = nextSequence
    }

    // MARK: Writing

    /// Appends a record; when the spool is full, waits for room (policy `block`) or drops the
    /// oldest segment (policy `drop-oldest`).
    public func append(_ record: UnsafeRawBufferPointer) throws(SpoolError) {
        _ = try append(record, wait: true)
    }

    public func append(_ record: [UInt8]) throws(SpoolError) {
        let result = record.withUnsafeBytes { b in Result { () throws(SpoolError) in try append(b) } }
        try result.get()
    }

    /// Appends unless the spool is full under policy `block`; returns false then (an HTTP input
    /// answers 503). Under `drop-oldest` it always appends.
    public func tryAppend(_ record: UnsafeRawBufferPointer) throws(SpoolError) -> Bool {
        try append(record, wait: false)
    }

    private func append(_ record: UnsafeRawBufferPointer, wait: Bool) throws(SpoolError) -> Bool {
        let needed = record.count + 4
        guard needed <= options.segmentBytes else { throw .recordTooLarge(bytes: record.count, limit: options.segmentBytes - 4) }
        return try monitor.withLock { () throws(SpoolError) -> Bool in
            room: while true {
                guard !closed else { throw .closed }
                if sealedBytes + tail.count + needed <= options.maxBytes { break }
                switch options.policy {
                case .dropOldest:
                    if sealed.isEmpty {
                        if tail.isEmpty { break }
                        try sealLocked()
                    }
                    dropOldestLocked()
                case .block:
                    guard wait else { return false }
                    if overflowing { break room }
                    monitor.wait()
                }
            }
            if tailCount == 0 {
                tailFirstSequence = nextSequence
                tailCreatedMilliseconds = WindowClockSource.wallMilliseconds()
            }
            withUnsafeBytes(of: UInt32(record.count).littleEndian) { tail += $0 }
            tail += record
            tailCount += 1
            nextSequence += 1
            appended += 1
            if tail.count >= options.segmentBytes { try sealLocked() }
            monitor.broadcast()
            return true
        }
    }

    /// Lets writers that wait for room (policy `block`) append beyond the cap from now on: for a
    /// stop, so that what the pipeline still holds reaches the disk instead of being lost with a
    /// process that could not finish. `tryAppend` still says full.
    public func allowOverflow() {
        monitor.withLock {
            overflowing = true
            monitor.broadcast()
        }
    }

    /// Makes every record appended so far durable (seals the open segment).
    public func flush() throws(SpoolError) {
        try monitor.withLock { () throws(SpoolError) in if tailCount > 0 { try sealLocked() } }
    }

    /// Flushes, then refuses further appends and wakes any writer waiting for room.
    public func close() throws(SpoolError) {
        try flush()
        monitor.withLock {
            closed = true
            monitor.broadcast()
        }
    }

    private func sealLocked() throws(SpoolError) {
        guard tailCount > 0 else { return }
        let compressed: [UInt8]
        do { compressed = try zstd.compress(tail) } catch { throw .invalid("zstd: \(error)") }
        let n = compressed.count
        let header = SpoolSegmentHeader(firstSequence: tailFirstSequence, count: tailCount, rawSize: UInt32(tail.count), crc: CRC32.checksum(tail),
                                        createdMilliseconds: tailCreatedMilliseconds)
        let name = SpoolSegmentHeader.fileName(tailFirstSequence)
        let headerBytes = header.encoded()
        let written = headerBytes.withUnsafeBytes { h in
            compressed.withUnsafeBytes { c in
                Result { () throws(ReplayError) in
                    try ReplayFileSystem.writeAtomically(directory + "/" + name, temporary: directory + "/." + name + ".tmp", directory: directory,
                                                         [h, c], sync: options.fsync == .always)
                }
            }
        }
        if case .failure(let error) = written { throw SpoolError.converted(error) }
        sealed.append(Sealed(header: header, name: name, fileBytes: headerBytes.count + n))
        sealedBytes += headerBytes.count + n
        tail.removeAll(keepingCapacity: true)
        tailCount = 0
        tailFirstSequence = nextSequence
    }

    private func dropOldestLocked() {
        let oldest = sealed.removeFirst()
        sealedBytes -= oldest.fileBytes
        try? ReplayFileSystem.remove(directory + "/" + oldest.name)
        let lost = Int64(oldest.header.endSequence - max(oldest.header.firstSequence, acknowledged))
        if oldest.header.endSequence > acknowledged {
            acknowledged = oldest.header.endSequence
            try? writeAcknowledgedLocked()
        }
        if decoded?.first == oldest.header.firstSequence { decoded = nil }
        readCursor = max(readCursor, acknowledged)
        dropped += lost
        onEvent?(.dropped(records: lost, segment: oldest.name))
    }

    // MARK: Reading

    /// The oldest records not yet handed out (at most `max`), with the sequence of the first; nil when
    /// there is nothing to read. Records stay until acknowledged.
    public func read(max: Int) throws(SpoolError) -> (firstSequence: UInt64, records: [[UInt8]])? {
        try monitor.withLock { () throws(SpoolError) -> (firstSequence: UInt64, records: [[UInt8]])? in
            readCursor = Swift.max(readCursor, acknowledged)
            while true {
                guard let index = sealed.firstIndex(where: { $0.header.endSequence > readCursor }) else {
                    // Caught up with the sealed segments: seal what is open and read it.
                    guard tailCount > 0 else { return nil }
                    try sealLocked()
                    continue
                }
                let segment = sealed[index]
                readCursor = Swift.max(readCursor, segment.header.firstSequence)
                let records: [[UInt8]]
                if let decoded, decoded.first == segment.header.firstSequence {
                    records = decoded.records
                } else {
                    switch loadLocked(segment) {
                    case .success(let r):
                        records = r
                        decoded = (segment.header.firstSequence, r)
                    case .failure(let why):
                        sealed.remove(at: index)
                        sealedBytes -= segment.fileBytes
                        quarantineLocked(segment.name, reason: why.description, records: Int64(segment.header.endSequence - readCursor))
                        continue
                    }
                }
                let from = Int(readCursor - segment.header.firstSequence)
                let to = Swift.min(records.count, from + Swift.max(1, max))
                readCursor += UInt64(to - from)
                return (segment.header.firstSequence + UInt64(from), Array(records[from..<to]))
            }
        }
    }

    /// Hands out again everything not yet acknowledged (after a failed delivery).
    public func rewind() {
        monitor.withLock { readCursor = acknowledged }
    }

    /// The upstream has every record before `sequence`: segments wholly before it are deleted, and
    /// the position is saved, so a restart does not send them again.
    public func acknowledge(before sequence: UInt64) throws(SpoolError) {
        try monitor.withLock { () throws(SpoolError) in
            let target = Swift.min(sequence, nextSequence)
            guard target > acknowledged else { return }
            acknowledgedCount += Int64(target - acknowledged)
            acknowledged = target
            while let first = sealed.first, first.header.endSequence <= acknowledged {
                sealed.removeFirst()
                sealedBytes -= first.fileBytes
                try? ReplayFileSystem.remove(directory + "/" + first.name)
                if decoded?.first == first.header.firstSequence { decoded = nil }
            }
            try writeAcknowledgedLocked()
            monitor.broadcast()
        }
    }

    private func loadLocked(_ segment: Sealed) -> Result<[[UInt8]], SegmentCorruption> {
        let path = directory + "/" + segment.name
        let file: [UInt8]?
        do { file = try ReplayFileSystem.readFile(path) } catch { return .failure(SegmentCorruption("cannot read: \(error)")) }
        guard let file else { return .failure(SegmentCorruption("the file is gone")) }
        switch SpoolSegmentHeader.decode(file) {
        case .failure(let why): return .failure(why)
        case .success(let header) where header != segment.header: return .failure(SegmentCorruption("the header changed on disk"))
        case .success: break
        }
        let raw: [UInt8]
        switch file.withUnsafeBytes({ zstd.decompress(UnsafeRawBufferPointer(rebasing: $0[SpoolSegmentHeader.size...]), expectedSize: Int(segment.header.rawSize)) }) {
        case .success(let bytes): raw = bytes
        case .failure(let why): return .failure(why)
        }
        guard CRC32.checksum(raw) == segment.header.crc else { return .failure(SegmentCorruption("checksum mismatch")) }
        return SpoolSegmentHeader.records(raw, count: Int(segment.header.count))
    }

    private func quarantineLocked(_ name: String, reason: String, records: Int64) {
        let dir = directory + "/quarantine"
        try? ReplayFileSystem.makeDirectories(dir)
        rename(directory + "/" + name, dir + "/" + name)
        quarantinedSegments += 1
        quarantinedRecords += records
        onEvent?(.quarantined(segment: name, reason: reason, records: records))
    }

    // MARK: The acknowledged position

    private func writeAcknowledgedLocked() throws(SpoolError) {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: acknowledged.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: CRC32.checksum(bytes).littleEndian) { bytes += $0 }
        let written = bytes.withUnsafeBytes { b in
            Result { () throws(ReplayError) in
                try ReplayFileSystem.writeAtomically(directory + "/" + Self.ackFile, temporary: directory + "/." + Self.ackFile + ".tmp",
                                                     directory: directory, [b], sync: options.fsync == .always)
            }
        }
        if case .failure(let error) = written { throw SpoolError.converted(error) }
    }

    /// The saved position, or 0; a damaged file counts as 0 (records are sent again, never lost).
    private static func readAcknowledged(_ directory: String) throws(ReplayError) -> UInt64 {
        guard let bytes = try ReplayFileSystem.readFile(directory + "/" + ackFile), bytes.count == 12 else { return 0 }
        let value = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let crc = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
        return CRC32.checksum(Array(bytes[0..<8])) == crc ? value : 0
    }

    // MARK: Statistics

    /// Under policy `block`: less than a segment of room is left, so writers are about to wait (an
    /// HTTP input answers 503, `/healthz` says why). Always false under `drop-oldest`.
    public var isFull: Bool {
        guard options.policy == .block else { return false }
        return monitor.withLock { sealedBytes + tail.count + options.segmentBytes > options.maxBytes }
    }

    public var stats: SpoolStats {
        monitor.withLock {
            let oldest = sealed.first { $0.header.endSequence > acknowledged }?.header.createdMilliseconds ?? (tailCount > 0 ? tailCreatedMilliseconds : nil)
            return SpoolStats(bytes: sealedBytes + tail.count, pendingRecords: Int64(nextSequence - acknowledged), oldestPendingMilliseconds: oldest,
                              segments: sealed.count + (tailCount > 0 ? 1 : 0), appended: appended, acknowledged: acknowledgedCount, dropped: dropped,
                              quarantinedSegments: quarantinedSegments, quarantinedRecords: quarantinedRecords)
        }
    }
}
