import Foundation
import Sluice
@testable import SluiceFiles
import Testing

/// A run stopped at any record and resumed from its checkpoint gives exactly the output of an
/// uninterrupted run: the windows, dedupe memory and watermark continue where they were.
@Suite(.serialized) struct CheckpointResumeTests {
    /// In-memory CSV lines (no header) as a checkpointable source; position = next line. Stops
    /// (as a signal would) after `stopAfter` lines.
    final class LinesSource: CheckpointableSource {
        let lines: [String]
        let stopAfter: Int?
        private var next = 0
        private(set) var resumedAt: Int?
        private(set) var completed: [[Int64]] = []
        private let lock = NSLock()
        var name: String { "lines" }
        var bytesRead: Int64 = 0
        var totalBytes: Int64? { nil }

        init(_ lines: [String], stopAfter: Int? = nil) {
            self.lines = lines
            self.stopAfter = stopAfter
        }

        func open(schema: Schema) throws {}
        func makeDecoder() -> any RecordDecoder { RecordFormat.csv.makeDecoder(csvHeader: false) }

        func next(into block: Block, maxLines: Int) throws -> Bool {
            block.count = 0
            block.lines = 0
            block.firstLine = Int64(next + 1)
            block.offset = 0
            let end = min(lines.count, stopAfter ?? .max)
            while next < end && block.lines < maxLines {
                let bytes = Array((lines[next] + "\n").utf8)
                guard block.count + bytes.count <= block.capacity else { break }
                (block.bytes + block.count).update(from: bytes, count: bytes.count)
                block.count += bytes.count
                block.lines += 1
                next += 1
                bytesRead += Int64(bytes.count)
            }
            return block.lines > 0
        }

        var checkpointPositions: [Int64] { [Int64(next)] }
        func resume(from positions: [Int64]) throws {
            next = Int(positions[0])
            resumedAt = next
        }
        func checkpointCompleted(_ positions: [Int64]) throws { lock.withLock { completed.append(positions) } }
        var endedByStop: Bool { stopAfter.map { next >= $0 } ?? false }
    }

    let schema = Schema([Field("k", .string), Field("t", .int64), Field("x", .float64), Field("s", .string)])

    /// Deterministic input with disorder (some records late), nulls, duplicates and garbage.
    func makeLines(_ n: Int, seed: UInt64) -> [String] {
        var random = SplitMix64(seed)
        func next() -> UInt64 { random.next() }
        var lines: [String] = []
        var t = 1000
        for i in 0..<n {
            t += Int(next() % 3)
            let jitter = next() % 50 == 0 ? -Int(next() % 200) : 0
            let k = "key\(next() % 29)"
            let x = next() % 40 == 0 ? "" : String(Double(next() % 10_000) / 100)
            let s = next() % 30 == 0 ? "bad" : "s\(next() % 3)"
            lines.append(i % 997 == 0 ? "garbage line" : "\(k),\(t + jitter),\(x),\(s)")
            if i % 211 == 0, let previous = lines.dropLast().last { lines.append(previous) }  // an exact duplicate
        }
        return lines
    }

    static let specs: [String] = ["tumbling", "sliding-sketches", "sliding-late", "dedupe-composite-key", "features", "session", "count"]

    func spec(_ name: String) -> PipelineSpec {
        switch name {
        case "tumbling":
            return PipelineSpec(name: name, schema: schema, steps: [
                .clean([.require(["x"]), .drop(Col("s") == "bad")]),
                .window(WindowSpec(kind: .tumbling(.milliseconds(50)), by: ["k"], time: "t", aggregates: [Count(), Sum("x"), Min("x"), Max("x"), Variance("x")])),
            ])
        case "sliding-sketches":
            return PipelineSpec(name: name, schema: schema, steps: [
                .window(WindowSpec(kind: .sliding(size: .milliseconds(120), every: .milliseconds(20)), by: ["k"], time: "t",
                                   aggregates: [Count(), Mean("x"), First("x"), Last("x"), Quantile("x", 0.5), DistinctCount("s")],
                                   maxOutOfOrderness: .milliseconds(250))),
            ])
        case "sliding-late":
            // Records beyond the bound, some within the allowed lateness: late corrections.
            return PipelineSpec(name: name, schema: schema, steps: [
                .window(WindowSpec(kind: .sliding(size: .milliseconds(60), every: .milliseconds(20)), by: ["k"], time: "t",
                                   aggregates: [Count(), Sum("x"), Last("x")], allowedLateness: .milliseconds(30))),
            ])
        case "session":
            return PipelineSpec(name: name, schema: schema, steps: [
                .window(WindowSpec(kind: .session(gap: .milliseconds(8)), by: ["k"], time: "t", aggregates: [Count(), Sum("x"), Last("x")],
                                   maxOutOfOrderness: .milliseconds(250))),
            ])
        case "count":
            return PipelineSpec(name: name, schema: schema, steps: [
                .window(WindowSpec(kind: .count(4), by: ["k"], time: "t", aggregates: [Count(), Sum("x"), Max("x")],
                                   maxOutOfOrderness: .milliseconds(250))),
            ])
        case "features":
            return PipelineSpec(name: name, schema: schema, steps: [
                .clean([.require(["x"])]),
                .features(FeatureSpec(by: ["k"], time: "t", ttl: .milliseconds(40), features: [
                    Lag("x", 1, 3), EWMA("x", alpha: 0.3), Rolling("x", last: 4), Rolling("x", span: .milliseconds(30), as: "x_span"), RunningZScore("x", warmUp: 3),
                ])),
                .window(WindowSpec(kind: .tumbling(.milliseconds(50)), by: ["k"], time: "t",
                                   aggregates: [Count(), Sum("x_lag1"), Sum("x_lag3"), Sum("x_ewma"), Sum("x_last4_mean"), Sum("x_last4_std"), Sum("x_rz"), Sum("x_span_mean")])),
            ])
        default:
            return PipelineSpec(name: name, schema: schema, steps: [
                .clean([.dedupe(on: ["k", "t", "x"], capacity: 50_000)]),
                .window(WindowSpec(kind: .tumbling(.milliseconds(100)), by: ["k", "s"], time: "t", aggregates: [Count(), Sum("x")])),
            ])
        }
    }

    func run(_ spec: PipelineSpec, _ source: LinesSource, shards: Int, store: CheckpointStore?, interval: Double = 1e-6, batchSize: Int = 128) throws -> (rows: [String], runner: ParallelRunner) {
        let sink = RowSink()
        let runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: shards, prefetch: 2, keyGroups: 16), source: source, sink: sink,
                                        deadLetters: DeadLetters(sink: nil), batchSize: batchSize)
        if let store { runner.checkpointing = CheckpointOptions(store: store, intervalSeconds: interval) }
        _ = try runner.run()
        let rows = sink.rows.map { row in sink.schema.names.map { "\(row[$0]!)" }.joined(separator: ",") }
        return (rows, runner)
    }

    /// The last row emitted per (key, window start), without its timing column.
    func finalValues(_ rows: [String]) -> [String] {
        var last: [String: String] = [:]
        for row in rows {
            var fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let window = fields[0] + "," + fields[1]
            fields.removeAll { ["on_time", "late", "early"].contains($0) }
            last[window] = fields.joined(separator: ",")
        }
        return last.values.sorted()
    }

    func tempStore() throws -> CheckpointStore {
        try CheckpointStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("sluice-ckpt-\(UUID().uuidString)").path)
    }

    @Test(arguments: specs, [1, 2])
    func stoppedAndResumedEqualsUninterrupted(specName: String, shards: Int) throws {
        let lines = makeLines(6_000, seed: UInt64(shards * 7 + specName.count))
        let spec = spec(specName)
        let (whole, _) = try run(spec, LinesSource(lines), shards: shards, store: nil)
        #expect(whole.count > 100)
        for stopAt in [1, 777, 3_001, 5_990] {
            let store = try tempStore()
            let first = LinesSource(lines, stopAfter: stopAt)
            let (before, stopped) = try run(spec, first, shards: shards, store: store)
            #expect(stopped.checkpoints.last?.positions == [Int64(stopAt)], "the final checkpoint is at the stop")
            #expect(first.completed.last == [Int64(stopAt)], "the source was told (Kafka would commit)")
            let second = LinesSource(lines)
            let (after, resumed) = try run(spec, second, shards: shards, store: store)
            #expect(second.resumedAt == stopAt)
            #expect(resumed.restoredCheckpoint?.id == stopped.checkpoints.last?.id)
            // With allowed lateness, how many times a window is re-emitted (`late`) depends on where
            // micro-batches end, which a resume shifts; its final value does not.
            let got = specName == "sliding-late" ? finalValues(before + after) : (before + after).sorted()
            let want = specName == "sliding-late" ? finalValues(whole) : whole.sorted()
            #expect(got == want, "\(specName), \(shards) shards, stopped after \(stopAt) lines: extra \(Set(got).subtracting(want).sorted().prefix(5)), missing \(Set(want).subtracting(got).sorted().prefix(5))")
        }
    }

    /// Barriers between every block change nothing, and each completes with the position it was taken at.
    @Test func periodicCheckpointsAreInOrderAndChangeNothing() throws {
        let lines = makeLines(4_000, seed: 5)
        let spec = spec("tumbling")
        let (plain, _) = try run(spec, LinesSource(lines), shards: 2, store: nil)
        let source = LinesSource(lines)
        let (checkpointed, runner) = try run(spec, source, shards: 2, store: try tempStore())
        #expect(checkpointed.sorted() == plain.sorted())
        #expect(runner.checkpoints.count > 5)
        #expect(runner.checkpoints.map(\.id) == Array(1...Int64(runner.checkpoints.count)))
        let positions = runner.checkpoints.map { $0.positions[0] }
        #expect(positions == positions.sorted() && positions.last == Int64(lines.count))
    }

    @Test func aDifferentShardCountIsRefusedWithTheWayOut() throws {
        let store = try tempStore()
        let lines = makeLines(1_000, seed: 1)
        _ = try run(spec("tumbling"), LinesSource(lines, stopAfter: 500), shards: 2, store: store)
        #expect {
            _ = try run(spec("tumbling"), LinesSource(lines), shards: 1, store: store)
        } throws: { error in
            "\(error)".contains("--shards 2")
        }
    }

    /// A damaged newest checkpoint is reported on start and the run resumes from the one before.
    @Test func aDamagedCheckpointIsReportedAndPassedOver() throws {
        let store = try tempStore()
        let lines = makeLines(3_000, seed: 3)
        _ = try run(spec("tumbling"), LinesSource(lines, stopAfter: 1_000), shards: 1, store: store)
        _ = try run(spec("tumbling"), LinesSource(lines, stopAfter: 2_000), shards: 1, store: store)
        let newest = try store.ids()[0]
        let path = store.directory + "/checkpoint-" + String(repeating: "0", count: 12 - String(newest).count) + "\(newest).sluice"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))

        final class Reports: @unchecked Sendable {  // Safe: written once on the runner's thread before the run, read after.
            var skipped: [String] = []
        }
        let reports = Reports()
        let sink = RowSink()
        let source = LinesSource(lines)
        let runner = try ParallelRunner(spec: spec("tumbling"), options: ParallelOptions(shards: 1, prefetch: 2, keyGroups: 16), source: source,
                                        sink: sink, deadLetters: DeadLetters(sink: nil), batchSize: 128)
        var options = CheckpointOptions(store: store, intervalSeconds: 1e-6)
        options.skippedFiles = { reports.skipped = $0 }
        runner.checkpointing = options
        _ = try runner.run()
        #expect(reports.skipped.count == 1 && reports.skipped[0].contains("checkpoint-"), "\(reports.skipped)")
        #expect(runner.restoredCheckpoint?.id == newest - 1)
        #expect(source.resumedAt.map(Int64.init) == runner.restoredCheckpoint?.positions[0])
    }

    /// Transactional output: one commit per checkpoint, in order, the last one marked; shards wait at
    /// each barrier, so at every commit the sink holds exactly the output of the records before its
    /// positions; and a restart restores only a checkpoint whose transaction committed.
    @Test func transactionalOutputCommitsPerCheckpointAndRestoresOnlyCommittedOnes() throws {
        let lines = makeLines(5_000, seed: 11)
        let spec = spec("tumbling")
        final class Log: @unchecked Sendable {  // Safe: appended to by the thread completing a checkpoint, under the runner's checkpoint lock.
            var commits: [(id: Int64, position: Int64, last: Bool, rows: Int)] = []
            var committedIDs: Set<Int64> = []
        }
        let log = Log()
        let store = try tempStore()
        let sink = RowSink()
        let runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: 2, prefetch: 2, keyGroups: 16), source: LinesSource(lines, stopAfter: 3_000),
                                        sink: sink, deadLetters: DeadLetters(sink: nil), batchSize: 128)
        var options = CheckpointOptions(store: store, intervalSeconds: 1e-6)
        options.transactional = TransactionalOutput(commit: { checkpoint, last in
            log.commits.append((checkpoint.id, checkpoint.positions[0], last, sink.rows.count))
            if checkpoint.id % 2 == 1 { log.committedIDs.insert(checkpoint.id) }  // pretend the even ones failed to commit
        }, isCommitted: { log.committedIDs.contains($0.id) })
        runner.checkpointing = options
        _ = try runner.run()
        #expect(log.commits.count == runner.checkpoints.count && log.commits.count > 5)
        #expect(log.commits.map(\.id) == log.commits.map(\.id).sorted())
        #expect(log.commits.filter(\.last).map(\.id) == [log.commits.last!.id])
        // At each commit: exactly the windows an uninterrupted run over that prefix emits before its end.
        for commit in log.commits.prefix(6) where commit.position > 0 {
            let prefix = LinesSource(Array(lines.prefix(Int(commit.position))), stopAfter: Int(commit.position))
            let (rows, _) = try run(spec, prefix, shards: 1, store: try tempStore())
            #expect(commit.rows == rows.count, "checkpoint \(commit.id) at \(commit.position)")
        }
        // Restart: the newest checkpoint whose transaction committed is restored, the others passed over.
        let newestCommitted = log.commits.map(\.id).filter { log.committedIDs.contains($0) }.max()!
        let resumed = try ParallelRunner(spec: spec, options: ParallelOptions(shards: 2, prefetch: 2, keyGroups: 16), source: LinesSource(lines),
                                         sink: RowSink(), deadLetters: DeadLetters(sink: nil), batchSize: 128)
        resumed.checkpointing = options
        _ = try resumed.run()
        #expect(resumed.restoredCheckpoint?.id == newestCommitted)
    }
}
