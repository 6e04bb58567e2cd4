import Foundation
@testable import Sluice
import Testing

/// The store-and-forward spool: records come back in order until acknowledged, survive a restart,
/// respect the size cap under both policies, and a corrupted segment is set aside, not fatal.
@Suite struct SpoolTests {
    func dir() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("sluice-spool-\(UUID().uuidString)").path }

    func record(_ i: Int, size: Int = 40) -> [UInt8] {
        Array("record \(i) ".utf8) + Array(repeating: UInt8(ascii: "a") + UInt8(i % 26), count: size)
    }

    /// Reads everything pending, acknowledging as it goes.
    func drain(_ spool: Spool, acknowledge: Bool = true) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let batch = try spool.read(max: 100) {
            out += batch.records
            if acknowledge { try spool.acknowledge(before: batch.firstSequence + UInt64(batch.records.count)) }
        }
        return out
    }

    @Test func recordsComeBackInOrderAndLeaveOnlyWhenAcknowledged() throws {
        let path = dir()
        let spool = try Spool(directory: path, options: SpoolOptions(maxBytes: 1 << 20, segmentBytes: 8 << 10))
        for i in 0..<1000 { try spool.append(record(i)) }
        #expect(spool.stats.pendingRecords == 1000 && spool.stats.segments > 5)
        let first = try #require(try spool.read(max: 10))
        #expect(first.firstSequence == 0 && first.records == (0..<10).map { record($0) })
        spool.rewind()  // delivery failed: the same records again
        #expect(try spool.read(max: 10)?.records == first.records)
        try spool.acknowledge(before: 10)
        let rest = try drain(spool)
        #expect(rest == (10..<1000).map { record($0) })
        #expect(spool.stats.pendingRecords == 0 && spool.stats.acknowledged == 1000)
        let files = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".spool") }
        #expect(files.isEmpty, "acknowledged segments are deleted: \(files)")
    }

    @Test func aRestartResumesAtTheFirstUnacknowledgedRecord() throws {
        let path = dir()
        var acknowledged = 0
        do {
            let spool = try Spool(directory: path, options: SpoolOptions(maxBytes: 1 << 20, segmentBytes: 4 << 10))
            for i in 0..<500 { try spool.append(record(i)) }
            while acknowledged < 120, let batch = try spool.read(max: 120 - acknowledged) {  // a batch ends with its segment
                acknowledged += batch.records.count
                try spool.acknowledge(before: batch.firstSequence + UInt64(batch.records.count))
            }
            _ = try spool.read(max: 50)  // handed out, never acknowledged
            try spool.flush()
        }
        #expect(acknowledged == 120)
        let reopened = try Spool(directory: path, options: SpoolOptions(maxBytes: 1 << 20, segmentBytes: 4 << 10))
        #expect(reopened.stats.pendingRecords == 380)
        for i in 500..<600 { try reopened.append(record(i)) }
        #expect(try drain(reopened) == (120..<600).map { record($0) }, "sequences continue after a restart, nothing lost or repeated")
    }

    @Test func dropOldestKeepsTheCapAndCountsWhatItDropped() throws {
        let events = EventLog()
        let spool = try Spool(directory: dir(), options: SpoolOptions(maxBytes: 256 << 10, segmentBytes: 16 << 10, policy: .dropOldest, compressionLevel: -5),
                              onEvent: { events.add($0) })
        // Incompressible records, so the cap is reached.
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { try spool.append((0..<60).map { _ in UInt8.random(in: 0...255, using: &random) }) }
        let stats = spool.stats
        #expect(stats.bytes <= 256 << 10, "\(stats)")
        #expect(stats.dropped > 0 && stats.dropped + stats.pendingRecords == 20_000, "\(stats)")
        #expect(events.dropped == stats.dropped)
        let left = try drain(spool)
        #expect(Int64(left.count) == stats.pendingRecords)
    }

    @Test func blockMakesWritersWaitForAcknowledgements() throws {
        let spool = try Spool(directory: dir(), options: SpoolOptions(maxBytes: 256 << 10, segmentBytes: 16 << 10, policy: .block, compressionLevel: -5))
        var random = SystemRandomNumberGenerator()
        var accepted = 0
        while try (0..<60).map({ _ in UInt8.random(in: 0...255, using: &random) }).withUnsafeBytes({ try spool.tryAppend($0) }) { accepted += 1 }
        #expect(accepted > 1000 && spool.stats.dropped == 0)
        // A blocked writer goes on once the reader acknowledged a segment.
        let writer = Thread { try? spool.append(Array(repeating: 7, count: 60)) }
        let done = WriterDone()
        let waiting = Thread {
            try? spool.append(Array(repeating: 9, count: 60))
            done.set()
        }
        _ = writer
        waiting.start()
        usleep(200_000)
        #expect(!done.value, "the writer waits while the spool is full")
        let batch = try #require(try spool.read(max: 500))
        try spool.acknowledge(before: batch.firstSequence + UInt64(batch.records.count))
        for _ in 0..<50 where !done.value { usleep(20_000) }
        #expect(done.value, "room was made: the writer went on")
    }

    @Test func allowOverflowLetsAWaitingWriterFinishForAStop() throws {
        let spool = try Spool(directory: dir(), options: SpoolOptions(maxBytes: 256 << 10, segmentBytes: 16 << 10, policy: .block, compressionLevel: -5))
        var random = SystemRandomNumberGenerator()
        while try (0..<60).map({ _ in UInt8.random(in: 0...255, using: &random) }).withUnsafeBytes({ try spool.tryAppend($0) }) {}
        let done = WriterDone()
        Thread {
            try? spool.append(Array(repeating: 9, count: 60))
            done.set()
        }.start()
        usleep(200_000)
        #expect(!done.value, "the writer waits while the spool is full")
        spool.allowOverflow()
        for _ in 0..<50 where !done.value { usleep(20_000) }
        #expect(done.value, "allowed beyond the cap: the writer went on")
        #expect(try !Array(repeating: UInt8(1), count: 60).withUnsafeBytes { try spool.tryAppend($0) }, "tryAppend (an HTTP input) still says full")
    }

    @Test func aCorruptedSegmentIsQuarantinedAndTheRestDelivered() throws {
        let path = dir()
        let events = EventLog()
        do {
            let spool = try Spool(directory: path, options: SpoolOptions(maxBytes: 1 << 20, segmentBytes: 4 << 10))
            for i in 0..<600 { try spool.append(record(i)) }
            try spool.flush()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".spool") }.sorted()
        #expect(names.count >= 4)
        // Flip a byte in the middle of the second segment's payload.
        let victim = path + "/" + names[1]
        var bytes = try #require(FileManager.default.contents(atPath: victim))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: victim))
        let spool = try Spool(directory: path, options: SpoolOptions(maxBytes: 1 << 20, segmentBytes: 4 << 10), onEvent: { events.add($0) })
        let delivered = try drain(spool)
        let stats = spool.stats
        #expect(stats.quarantinedSegments == 1 && stats.quarantinedRecords > 0)
        #expect(delivered.count + Int(stats.quarantinedRecords) == 600)
        #expect(delivered.first == record(0) && delivered.last == record(599))
        #expect(FileManager.default.fileExists(atPath: path + "/quarantine/" + names[1]))
        #expect(events.quarantined == 1)
    }

    @Test func impossibleOptionsAndOversizedRecordsAreClearErrors() throws {
        #expect(throws: SpoolError.invalid("max_size must hold at least four segments (segment_size 1048576 bytes, max_size 2097152)")) {
            _ = try Spool(directory: dir(), options: SpoolOptions(maxBytes: 2 << 20, segmentBytes: 1 << 20))
        }
        let spool = try Spool(directory: dir(), options: SpoolOptions(maxBytes: 1 << 20, segmentBytes: 4 << 10))
        #expect(throws: SpoolError.recordTooLarge(bytes: 5000, limit: 4092)) { try spool.append([UInt8](repeating: 1, count: 5000)) }
    }
}

final class EventLog: @unchecked Sendable {
    // Safe: guarded by `lock`.
    private let lock = NSLock()
    private var events: [SpoolEvent] = []
    func add(_ e: SpoolEvent) { lock.withLock { events.append(e) } }
    var dropped: Int64 { lock.withLock { events.reduce(0) { if case .dropped(let n, _) = $1 { return $0 + n }; return $0 } } }
    var quarantined: Int { lock.withLock { events.filter { if case .quarantined = $0 { return true }; return false }.count } }
}

final class WriterDone: @unchecked Sendable {
    // Safe: guarded by `lock`.
    private let lock = NSLock()
    private var done = false
    func set() { lock.withLock { done = true } }
    var value: Bool { lock.withLock { done } }
}
