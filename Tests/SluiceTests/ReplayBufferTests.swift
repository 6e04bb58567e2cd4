import Foundation
import Testing
@testable import Sluice

/// The replay buffer: columnar segments round-trip every type, bounds evict
/// the oldest segments (counted), a directory reopens where it left off,
/// corrupt segments are skipped and reported, and a `retain` step keeps what
/// passed through a pipeline.
@Suite struct ReplayBufferTests {
    let schema = Schema([Field("id", .int64), Field("x", .float64), Field("s", .string), Field("b", .bool)])

    /// Rows `range` as `id`, `x = id / 4`, `s = "r<id>"`, `b = id is even`.
    func rows(_ range: Range<Int>) -> [[Value]] {
        range.map { i in [.int(Int64(i)), .double(Double(i) / 4), .string("r\(i)"), .bool(i % 2 == 0)] }
    }

    func append(_ buffer: ReplayBuffer, _ range: Range<Int>, batch size: Int = 64) throws {
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start + size, range.upperBound)
            try buffer.append(makeBatch(schema, rows(start..<end)))
            start = end
        }
    }

    /// Every replayed record, as values by field name, and the report.
    func replayed(_ buffer: ReplayBuffer) throws -> (rows: [[String: Value]], report: ReplayReport) {
        var out: [[String: Value]] = []
        let report = try buffer.replay { batch in
            for r in batch.selectedRows {
                var row: [String: Value] = [:]
                for c in batch.columns { row[c.name] = Value(c, row: r, arena: batch.arena) }
                out.append(row)
            }
        }
        return (out, report)
    }

    func ids(_ buffer: ReplayBuffer) throws -> [Int64] {
        try replayed(buffer).rows.map { if case .int(let v) = $0["id"] { v } else { -1 } }
    }

    func segmentFiles(_ dir: TemporaryReplayDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("segment-") }.sorted()
    }

    @Test func crc32MatchesTheStandardCheckValueAndTheBytewiseLoop() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
        var bytes: [UInt8] = []
        var state: UInt32 = 12345
        for n in 0..<100 {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes { crc = CRC32.tables[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
            #expect(CRC32.checksum(bytes) == ~crc, "length \(n)")
            state = state &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: state >> 16))
        }
    }

    @Test func everyTypeNullsAndStringsRoundTripThroughMemoryAndDisk() throws {
        let dir = try TemporaryReplayDirectory()
        let input: [[Value]] = [
            [1, 1.5, "plain", true],
            [.null, .null, .null, .null],
            [.int(.min), -0.0, "", false],
            [.int(.max), .double(.infinity), "comma, \"quote\"\nnewline", true],
            [42, -1e-300, "ünïcødé ✓ 🚀", .null],
            [7, 3.25, .null, false],
        ]
        let batch = makeBatch(schema, input)
        // Drop row 1 from the selection and read the columns in another order.
        batch.selection[0] = 0
        batch.selection[1] = 2
        batch.selection[2] = 3
        batch.selection[3] = 4
        batch.selection[4] = 5
        batch.selectedCount = 5
        let slots = [2, 0, 3, 1]
        let expected: [[String: Value]] = [0, 2, 3, 4, 5].map { r in
            Dictionary(uniqueKeysWithValues: slots.map { (schema.fields[$0].name, input[r][$0]) })
        }

        let writer = try ReplayBuffer(directory: dir.path)
        try writer.append(batch, slots: slots)
        #expect(writer.count == 5)
        #expect(writer.recordsInMemory == 5)
        let fromMemory = try replayed(writer)
        #expect(fromMemory.rows == expected)
        #expect(fromMemory.report.recordsFromMemory == 5)
        var names: [String] = []
        try writer.replay { names = $0.schema.names }
        #expect(names == ["s", "id", "b", "x"], "a segment keeps the appended column order")

        try writer.close()
        #expect(writer.recordsOnDisk == 5)
        #expect(try segmentFiles(dir).count == 1)
        let reader = try ReplayBuffer(readingFrom: dir.path)
        let fromDisk = try replayed(reader)
        #expect(fromDisk.rows == expected)
        #expect(fromDisk.report.segmentsReplayed == 1)
        #expect(fromDisk.report.skipped.isEmpty)
    }

    @Test func theRecordBoundEvictsWholeOldestSegmentsAndCountsThem() throws {
        let dir = try TemporaryReplayDirectory()
        let buffer = try ReplayBuffer(directory: dir.path, options: ReplayOptions(maxRecords: 1000, segmentRecords: 100))
        try append(buffer, 0..<2500)
        #expect(buffer.count <= 1000)
        #expect(buffer.count >= 900)
        try buffer.flush()
        let kept = try ids(buffer)
        #expect(kept == Array(Int64(2500 - kept.count)..<2500), "the newest records, in order")
        let stats = buffer.stats
        #expect(stats.recordsAppended == 2500)
        #expect(stats.recordsEvicted == Int64(2500 - buffer.count))
        #expect(stats.segmentsEvicted == stats.segmentsWritten - buffer.segments.count)
        #expect(stats.segmentsEvicted >= 15)
        #expect(try segmentFiles(dir) == buffer.segments.map(\.fileName), "evicted files are deleted")
        try buffer.close()
        #expect(buffer.count == kept.count, "closing spills the tail without losing or evicting records")
    }

    @Test func theDiskBoundEvictsOldestSegmentsToo() throws {
        let dir = try TemporaryReplayDirectory()
        let buffer = try ReplayBuffer(directory: dir.path, options: ReplayOptions(maxBytes: 2000, segmentRecords: 50))
        try append(buffer, 0..<2000)
        try buffer.close()
        #expect(buffer.bytesOnDisk <= 2000)
        #expect(buffer.stats.segmentsEvicted > 0)
        #expect(buffer.stats.recordsEvicted == Int64(2000 - buffer.count))
        let sizes = try segmentFiles(dir).map { try FileManager.default.attributesOfItem(atPath: dir.path + "/" + $0)[.size] as! Int }
        #expect(sizes.reduce(0, +) == buffer.bytesOnDisk)
        let kept = try ids(buffer)
        #expect(kept == Array(Int64(2000 - kept.count)..<2000))
    }

    @Test func theMemoryBoundSpillsTheTailToSegments() throws {
        let dir = try TemporaryReplayDirectory()
        let buffer = try ReplayBuffer(directory: dir.path, options: ReplayOptions(memoryBytes: 4096))
        try append(buffer, 0..<1000, batch: 256)
        #expect(buffer.count == 1000)
        #expect(buffer.memoryBytesUsed <= 4096 + 64, "the tail being filled and the one being written")
        try buffer.flush()
        #expect(buffer.recordsInMemory == 0)
        #expect(buffer.stats.segmentsWritten >= 10)
        #expect(try segmentFiles(dir).count == buffer.stats.segmentsWritten)
        // 25 fixed bytes per row (validity, 8 + 8 + 1 value bytes, a 4-byte string length) bound a segment's rows.
        for segment in buffer.segments { #expect(segment.records <= 2048 / 25 + 1, "a tail holds at most half the memory bound") }
        #expect(try ids(buffer) == Array(0..<1000))
        #expect(buffer.stats.bytesAfterCompression > 0)
        #expect(buffer.stats.bytesBeforeCompression > 0)
    }

    @Test func aReopenedDirectoryContinuesAndReplaysInOrder() throws {
        let dir = try TemporaryReplayDirectory()
        let options = ReplayOptions(memoryBytes: 2048)
        do {
            let first = try ReplayBuffer(directory: dir.path, options: options)
            try append(first, 0..<300)
            try first.close()
        }
        let second = try ReplayBuffer(directory: dir.path, options: options)
        #expect(second.count == 300)
        #expect(second.recordsInMemory == 0)
        let before = second.segments.map(\.sequence)
        try append(second, 300..<500)
        try second.close()
        let after = second.segments.map(\.sequence)
        #expect(Array(after.prefix(before.count)) == before)
        #expect(after == after.sorted() && Set(after).count == after.count, "new segments come after the old ones")

        let reader = try ReplayBuffer(readingFrom: dir.path)
        #expect(reader.count == 500)
        #expect(try ids(reader) == Array(0..<500))
    }

    @Test func corruptSegmentsAreSkippedReportedAndTheRestReplayed() throws {
        let dir = try TemporaryReplayDirectory()
        let writer = try ReplayBuffer(directory: dir.path, options: ReplayOptions(segmentRecords: 100))
        try append(writer, 0..<600, batch: 100)
        try writer.close()
        var files = try segmentFiles(dir)
        #expect(files.count == 6)
        func path(_ i: Int) -> String { dir.path + "/" + files[i] }
        // 1: one flipped payload byte; 2: truncated; 3: a flipped header byte (the record count);
        // 4: not a segment at all (bad magic). Segments 0 and 5 are intact.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path(1)))
        bytes[bytes.count / 2 + 24] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: path(1)))
        bytes = try Data(contentsOf: URL(fileURLWithPath: path(2)))
        try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: path(2)))
        bytes = try Data(contentsOf: URL(fileURLWithPath: path(3)))
        bytes[16] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path(3)))
        try Data("definitely not a replay segment, but long enough to have a header".utf8).write(to: URL(fileURLWithPath: path(4)))
        // And a stray, too-short file with a segment's name.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir.path + "/" + SegmentFormat.fileName(sequence: 99)))
        files = try segmentFiles(dir)

        let reader = try ReplayBuffer(readingFrom: dir.path)
        #expect(reader.stats.corruptSegments == 4, "truncation and bad headers show when the directory is listed")
        #expect(reader.count == 300, "corrupt segments hold no records, as far as anyone can tell")
        let result = try replayed(reader)
        #expect(result.rows.map { $0["id"]! } == (Array(0..<100) + Array(500..<600)).map { Value.int(Int64($0)) })
        let skipped = result.report.skipped
        #expect(skipped.count == 5)
        #expect(skipped.allSatisfy { $0.corrupt })
        #expect(skipped.map(\.fileName) == [files[1], files[2], files[3], files[4], files[6]])
        #expect(skipped[0].reason.contains("payload checksum mismatch"))
        #expect(skipped[1].reason.contains("truncated"))
        #expect(skipped[2].reason.contains("header checksum mismatch"))
        #expect(skipped[3].reason.contains("bad magic"))
        #expect(skipped[4].reason.contains("truncated"))
        #expect(result.report.corruptSegments == 5)
        #expect(reader.stats.corruptSegments == 5, "the flipped payload byte is found by the replay")
        #expect(reader.count == 200)
        let second = try replayed(reader)
        #expect(second.rows.count == 200)
        #expect(second.report.skipped == skipped, "a second replay reports the same segments")
        #expect(reader.stats.corruptSegments == 5, "each corrupt segment is counted once")

        // A writer reopening the directory goes on after the highest sequence, and evicts corrupt
        // segments in their turn like any other.
        let again = try ReplayBuffer(directory: dir.path, options: ReplayOptions(maxRecords: 250, segmentRecords: 100))
        try append(again, 600..<800, batch: 100)
        try again.close()
        #expect(again.segments.map(\.sequence) == [99, 100, 101])
        #expect(again.segments.filter(\.isCorrupt).map(\.fileName) == [files[6]], "corrupt segments older than the kept ones were evicted")
        #expect(again.stats.segmentsEvicted == 6)
        #expect(again.stats.recordsEvicted == 300)
        #expect(try ids(ReplayBuffer(readingFrom: dir.path)) == Array(600..<800))
    }

    @Test func aReplayHandsBatchesInAppendOrderWithRecordNumbers() throws {
        let dir = try TemporaryReplayDirectory()
        let buffer = try ReplayBuffer(directory: dir.path, options: ReplayOptions(segmentRecords: 1000, replayBatchSize: 300))
        try append(buffer, 0..<2500, batch: 500)
        var numbers: [Int64] = []
        var sources: [String] = []
        let report = try buffer.replay { batch in
            #expect(batch.count <= 300)
            numbers += batch.selectedRows.map { batch.recordNumbers[$0] }
            sources.append(batch.sourceName)
        }
        #expect(numbers == Array(1...2500))
        #expect(report.records == 2500)
        // The last 500 are in the tail; a full tail may still be on its way to disk.
        #expect(report.recordsFromMemory == 500 || report.recordsFromMemory == 1500)
        #expect(report.segmentsReplayed == 2 - (report.recordsFromMemory - 500) / 1000)
        #expect(sources.last == "memory")
        #expect(sources.first!.hasSuffix(buffer.segments[0].fileName))
    }

    @Test func aNewSchemaStartsANewSegment() throws {
        let dir = try TemporaryReplayDirectory()
        let buffer = try ReplayBuffer(directory: dir.path)
        try buffer.append(makeBatch(schema, rows(0..<3)))
        let other = Schema([Field("name", .string)])
        try buffer.append(makeBatch(other, [["a"], ["b"]]))
        try buffer.close()
        #expect(buffer.segments.map(\.records) == [3, 2])
        var schemas: [Schema] = []
        try ReplayBuffer(readingFrom: dir.path).replay { schemas.append($0.schema) }
        #expect(schemas == [schema, other])
    }

    @Test func oneWriterPerDirectoryAndSharedWritersInAProcess() throws {
        let dir = try TemporaryReplayDirectory()
        let writer = try ReplayBuffer(directory: dir.path)
        #expect(throws: ReplayError.self) {
            _ = try ReplayBuffer(directory: dir.path, options: ReplayOptions(lockTimeout: 0))
        }
        try writer.close()
        let a = try ReplayBuffer.shared(directory: dir.path)
        let b = try ReplayBuffer.shared(directory: dir.path + "/")
        #expect(a === b)
        #expect(throws: ReplayError.optionsMismatch(path: a.directory)) {
            _ = try ReplayBuffer.shared(directory: dir.path, options: ReplayOptions(maxRecords: 5))
        }
        let reader = try ReplayBuffer(readingFrom: dir.path)
        #expect(throws: ReplayError.readOnly(path: reader.directory)) { try reader.append(makeBatch(schema, rows(0..<1))) }
        #expect(throws: ReplayError.notFound(path: dir.path + "/missing")) { _ = try ReplayBuffer(readingFrom: dir.path + "/missing") }
        try a.close()
        #expect(throws: ReplayError.closed(path: a.directory)) { try a.append(makeBatch(schema, rows(0..<1))) }
    }

    @Test func shardsCanAppendToOneBufferConcurrently() async throws {
        let dir = try TemporaryReplayDirectory()
        let buffer = try ReplayBuffer(directory: dir.path, options: ReplayOptions(memoryBytes: 16 * 1024))
        let schema = self.schema
        await withTaskGroup(of: Void.self) { group in
            for shard in 0..<4 {
                group.addTask {
                    for k in 0..<50 {
                        let base = (shard * 50 + k) * 20
                        let batch = makeBatch(schema, (base..<base + 20).map { [.int(Int64($0)), 0.5, "s", true] })
                        try? buffer.append(batch)
                    }
                }
            }
        }
        #expect(buffer.count == 4000)
        #expect(try ids(buffer).sorted() == Array(0..<4000))
        try buffer.close()
    }

    @Test func aFailedSegmentWriteIsReportedCountedAndSticky() throws {
        let dir = try TemporaryReplayDirectory()
        let buffer = try ReplayBuffer(directory: dir.path, options: ReplayOptions(segmentRecords: 10))
        try append(buffer, 0..<5)
        // Pull the directory from under the writer: its next segment cannot be created.
        try FileManager.default.removeItem(atPath: dir.path)
        #expect(throws: ReplayError.self) {
            try append(buffer, 5..<100, batch: 5)
            try buffer.flush()
        }
        #expect(buffer.stats.recordsLost >= 10)
        #expect(throws: ReplayError.self) { try buffer.append(makeBatch(schema, rows(0..<1))) }
        #expect(throws: ReplayError.self) { try buffer.close() }
        #expect(buffer.isClosed)
    }

    @Test func concurrentAppendsAndReplaysKeepOrderAndBounds() async throws {
        let dir = try TemporaryReplayDirectory()
        let buffer = try ReplayBuffer(directory: dir.path, options: ReplayOptions(maxRecords: 500, memoryBytes: 2048, segmentRecords: 50))
        let schema = self.schema
        let shards = 4, perShard = 2000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for shard in 0..<shards {
                group.addTask {
                    for k in stride(from: 0, to: perShard, by: 25) {
                        // id = shard * 1_000_000 + position: per shard, ids only grow.
                        let batch = makeBatch(schema, (k..<k + 25).map { [.int(Int64(shard * 1_000_000 + $0)), 1.0, "x", false] })
                        try buffer.append(batch)
                        #expect(buffer.count <= 500)
                    }
                }
            }
            group.addTask {
                for _ in 0..<20 {
                    var last = [Int64](repeating: -1, count: shards)
                    try buffer.replay { batch in
                        let ids = batch.columns[0].int64
                        for r in batch.selectedRows {
                            let shard = Int(ids[r] / 1_000_000)
                            #expect(ids[r] > last[shard], "a shard's records replay in append order")
                            last[shard] = ids[r]
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        try buffer.close()
        #expect(buffer.count <= 500 && buffer.count >= 450)
        #expect(buffer.stats.recordsAppended == Int64(shards * perShard))
        #expect(buffer.stats.recordsEvicted == Int64(shards * perShard - buffer.count))
    }

    @Test func invalidOptionsAreRejected() throws {
        let dir = try TemporaryReplayDirectory()
        for options in [ReplayOptions(maxRecords: 0), ReplayOptions(maxBytes: 0), ReplayOptions(memoryBytes: 0),
                        ReplayOptions(compressionLevel: 99), ReplayOptions(segmentRecords: 0), ReplayOptions(replayBatchSize: 0)] {
            #expect(throws: ReplayError.self) { _ = try ReplayBuffer(directory: dir.path, options: options) }
        }
    }

    @Test func staleTemporaryFilesAreRemovedByTheNextWriter() throws {
        let dir = try TemporaryReplayDirectory()
        let stale = dir.path + "/" + SegmentFormat.temporaryPrefix + "7.tmp-99999"
        try Data([0, 1, 2]).write(to: URL(fileURLWithPath: stale))
        let reader = try ReplayBuffer(readingFrom: dir.path)
        #expect(FileManager.default.fileExists(atPath: stale), "a reader never deletes")
        #expect(reader.count == 0)
        let writer = try ReplayBuffer(directory: dir.path)
        #expect(!FileManager.default.fileExists(atPath: stale))
        try writer.close()
    }
}

/// The `retain` step end to end: spec coding, compile, explain, run, replay.
@Suite struct RetainStepTests {
    let schema = Schema([Field("id", .string), Field("temp", .float64), Field("ts", .int64)])

    func input(_ n: Int) -> [[String: Value]] {
        (0..<n).map { i -> [String: Value] in
            var row: [String: Value] = ["id": .string("k\(i % 4)"), "ts": .int(Int64(i * 100))]
            if i % 10 != 3 { row["temp"] = .double(Double(i)) }
            return row
        }
    }

    func replayedRows(_ directory: String) throws -> (rows: [[String: Value]], names: [String]) {
        var rows: [[String: Value]] = []
        var names: [String] = []
        try ReplayBuffer(readingFrom: directory).replay { batch in
            names = batch.schema.names
            for r in batch.selectedRows {
                rows.append(Dictionary(uniqueKeysWithValues: batch.columns.map { ($0.name, Value($0, row: r, arena: batch.arena)) }))
            }
        }
        return (rows, names)
    }

    @Test func aRetainStepPassesRecordsThroughAndKeepsThemForReplay() throws {
        let dir = try TemporaryReplayDirectory()
        let pipeline = Pipeline("retained", schema: schema) {
            Clean { Require("temp") }
            Derive("t2", Col("temp") * Col("temp"))
            Retain(in: dir.path, maxRecords: 1000)
            Select("id", "t2")
        }
        let rows = input(250)
        let result = try pipeline.run(rows, batchSize: 32)
        #expect(result.output.count == 225)
        #expect(result.output.first == ["id": "k0", "t2": 0.0], "retain changes nothing downstream")

        // The plan is gone, so its retain operator flushed the memory tail.
        let replayed = try replayedRows(dir.path)
        #expect(replayed.names == ["id", "temp", "ts", "t2"], "the fields visible where the step sits")
        let expected = rows.filter { $0["temp"] != nil }.map { r -> [String: Value] in
            var r = r
            r["t2"] = .double(r["temp"]!.doubleValue! * r["temp"]!.doubleValue!)
            return r
        }
        #expect(replayed.rows == expected)
    }

    @Test func retainAfterAWindowKeepsTheWindowOutputAndFinishFlushes() throws {
        let dir = try TemporaryReplayDirectory()
        let spec = Pipeline("windowed", schema: schema) {
            Clean { Require("temp") }
            Window(.tumbling(.seconds(10)), by: "id", time: "ts") { Count(); Mean("temp") }
            Retain(in: dir.path, maxRecords: 100, memory: .kibibytes(64))
        }.spec
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(spec, deadLetters: letters, batchSize: 16)
        #expect(plan.explain().contains("retain(id, window_start, cnt, mean_temp) -> \(dir.path) (last 100 records; memory tail 64KiB, zstd 3 segments; pass-through)"))
        #expect(plan.explain().contains("-> [retain(\(dir.path))] -> sink"))
        let sink = RowSink()
        _ = try PipelineRunner(plan: plan, source: RowSource(input(500)), sink: sink, deadLetters: letters).run()
        // What the runner should do at the end of input; the plan (and its buffer) is still alive here.
        try plan.finishOperators()
        let replayed = try replayedRows(dir.path)
        #expect(replayed.rows.count == sink.rows.count)
        #expect(replayed.rows == sink.rows)
        withExtendedLifetime(plan) {}
    }

    @Test func theSpecFormIsAOneKeyObject() throws {
        let json = #"{"retain": {"directory": "replay/", "max_records": 1000000, "memory": "8MiB"}}"#
        let step = try JSONDecoder().decode(Step.self, from: Data(json.utf8))
        #expect(step == .retain(RetainSpec(directory: "replay/", maxRecords: 1_000_000, memory: .mebibytes(8))))
        let full = Step.retain(RetainSpec(directory: "d", maxRecords: 5, maxBytes: .gibibytes(2), memory: 1000, level: 9))
        let encoded = try JSONEncoder().encode(full)
        #expect(try JSONDecoder().decode(Step.self, from: encoded) == full)
        #expect(String(decoding: encoded, as: UTF8.self).contains(#""max_bytes":"2GiB""#))
        let defaults = try JSONDecoder().decode(Step.self, from: Data(#"{"retain": {"directory": "r"}}"#.utf8))
        #expect(defaults == .retain(RetainSpec(directory: "r")))
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(Step.self, from: Data(#"{"retain": {"directory": "r", "max_record": 5}}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(Step.self, from: Data(#"{"retain": {"directory": "r", "memory": "8 parsecs"}}"#.utf8))
        }
    }

    @Test func byteCountsParseAndPrint() {
        #expect(ByteCount(parsing: "8MiB") == .mebibytes(8))
        #expect(ByteCount(parsing: "8 mib") == .mebibytes(8))
        #expect(ByteCount(parsing: "512K") == .kibibytes(512))
        #expect(ByteCount(parsing: "10MB")?.bytes == 10_000_000)
        #expect(ByteCount(parsing: "4096")?.bytes == 4096)
        #expect(ByteCount(parsing: "2GiB")?.bytes == 2 << 30)
        #expect(ByteCount(parsing: "lots") == nil)
        #expect(ByteCount(parsing: "99999999999TiB") == nil)
        #expect(ByteCount.mebibytes(8).description == "8MiB")
        #expect(ByteCount(bytes: 1536 * 1024).description == "1536KiB")
        #expect(ByteCount(bytes: 1000).description == "1000B")
    }

    @Test func invalidRetainOptionsArePlanErrors() throws {
        for spec in [RetainSpec(directory: "r", maxRecords: 0), RetainSpec(directory: ""), RetainSpec(directory: "r", memory: 0),
                     RetainSpec(directory: "r", level: 1000)] {
            let p = PipelineSpec(name: "t", schema: schema, steps: [.retain(spec)])
            #expect(throws: PlanError.self) { _ = try PlanCompiler.compile(p, deadLetters: DeadLetters(sink: nil)) }
        }
    }

    @Test func compilingAndExplainingTouchNoDisk() throws {
        let dir = try TemporaryReplayDirectory()
        let target = dir.path + "/not-yet"
        let spec = PipelineSpec(name: "t", schema: schema, steps: [.retain(RetainSpec(directory: target))])
        let plan = try PlanCompiler.compile(spec, deadLetters: DeadLetters(sink: nil))
        _ = plan.explain()
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}

/// A fresh directory under the system temporary directory, removed when the value goes away.
final class TemporaryReplayDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/sluice-replay-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = URL(fileURLWithPath: String(cString: made)).standardizedFileURL.resolvingSymlinksInPath().path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
