import Foundation
import Sluice
@testable import SluiceFiles
import Testing

/// The sharded runtime must give exactly the single-threaded results (up to
/// row order), keep memory bounded, and account for every record.
@Suite(.serialized) struct ParallelRunnerTests {
    let schema = Schema([Field("k", .string), Field("t", .int64), Field("x", .float64), Field("s", .string)])

    var windowed: PipelineSpec {
        PipelineSpec(name: "w", schema: schema, steps: [
            .clean([.require(["x"]), .drop(Col("s") == "bad")]),
            .derive(name: "y", expr: Col("x") * 2),
            .window(WindowSpec(kind: .tumbling(.milliseconds(50)), by: ["k"], time: "t",
                               aggregates: [Count(), Sum("y"), Min("x"), Max("x"), Variance("x")])),
            .clean([.keep(Col("cnt") >= 1)]),
        ])
    }

    /// A deterministic CSV with disorder (some events late), nulls and bad records.
    func makeInput(_ n: Int, seed: UInt64, keys: Int) -> String {
        var random = SplitMix64(seed)
        func next() -> UInt64 { random.next() }
        var lines = ["k,t,x,s"]
        var t = 1000
        for i in 0..<n {
            t += Int(next() % 3)
            let jitter = next() % 50 == 0 ? -Int(next() % 200) : 0  // occasionally far behind: late
            let k = "key\(next() % UInt64(keys))"
            let x = next() % 40 == 0 ? "" : String(Double(next() % 10_000) / 100)
            let s = next() % 30 == 0 ? "bad" : "ok"
            lines.append(i % 997 == 0 ? "garbage line" : "\(k),\(t + jitter),\(x),\(s)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func temp(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-par-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func runSingle(_ spec: PipelineSpec, _ path: String, batchSize: Int) throws -> ([String], DeadLetters, RunSummary) {
        let letters = DeadLetters(sink: nil)
        let plan = try PlanCompiler.compile(spec, deadLetters: letters, batchSize: batchSize)
        let sink = RowSink()
        let summary = try PipelineRunner(plan: plan, source: FileSource(path: path, decoder: CSVDecoder()), sink: sink, deadLetters: letters).run()
        return (render(sink), letters, summary)
    }

    func runParallel(_ spec: PipelineSpec, _ path: String, shards: Int, batchSize: Int, prefetch: Int = 2, sink: RowSink = RowSink()) throws -> ([String], DeadLetters, RunSummary) {
        let letters = DeadLetters(sink: nil)
        let runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: shards, prefetch: prefetch, keyGroups: 16),
                                        source: FileBlockSource(path: path, format: .csv), sink: sink, deadLetters: letters, batchSize: batchSize)
        let summary = try runner.run()
        return (render(sink), letters, summary)
    }

    func render(_ sink: RowSink) -> [String] {
        sink.rows.map { row in sink.schema.names.map { "\(row[$0]!)" }.joined(separator: ",") }
    }

    /// Keyed stage-1 operators (dedupe, per-key features) run on the shards after routing, so they
    /// see every row of their keys: the same results as one thread. Dedupe on (k, t) and a window by
    /// k route by k; dedupe on x alone shares no key with the window, so one shard takes every row.
    @Test(arguments: [["k", "t"], ["x"]])
    func keyedStageOneOperatorsEqualSingleThreaded(dedupeOn: [String]) throws {
        var text = makeInput(12_000, seed: 99, keys: 23)
        text += text.split(separator: "\n").dropFirst().prefix(3000).joined(separator: "\n") + "\n"  // exact duplicates, far apart
        let path = try temp(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = PipelineSpec(name: "keyed", schema: schema, steps: [
            .clean([.require(["x"]), .dedupe(on: dedupeOn, capacity: 100_000)]),
            .features(FeatureSpec(by: ["k"], features: [Lag("x", 1), EWMA("x", alpha: 0.2)])),
            .window(WindowSpec(kind: .tumbling(.milliseconds(50)), by: ["k"], time: "t",
                               aggregates: [Count(), Sum("x_lag1"), Sum("x_ewma")])),
        ])
        let (single, singleLetters, _) = try runSingle(spec, path, batchSize: 256)
        let (parallel, parallelLetters, _) = try runParallel(spec, path, shards: 2, batchSize: 256)
        #expect(singleLetters.count(of: .duplicate) > 0)
        #expect(parallelLetters.count(of: .duplicate) == singleLetters.count(of: .duplicate))
        #expect(parallel.sorted() == single.sorted())
        let plan = try PlanCompiler.compile(spec, deadLetters: DeadLetters(sink: nil))
        #expect(plan.stages[0].shardStart == 1)
        #expect(plan.stages[0].routingSlots == (dedupeOn == ["x"] ? [] : [0]))
    }

    @Test(arguments: [(2, 64), (3, 100), (4, 333), (2, 4096)])
    func shardedEqualsSingleThreaded(shards: Int, batchSize: Int) throws {
        let path = try temp(makeInput(20_000, seed: UInt64(shards * 1000 + batchSize), keys: 37))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (single, singleLetters, singleSummary) = try runSingle(windowed, path, batchSize: batchSize)
        let (parallel, parallelLetters, parallelSummary) = try runParallel(windowed, path, shards: shards, batchSize: batchSize)
        #expect(singleLetters.count(of: .lateEvent) > 0, "the input should exercise late events")
        #expect(parallel.sorted() == single.sorted())
        for code in RejectionCode.allCases {
            #expect(parallelLetters.count(of: code) == singleLetters.count(of: code), "\(code)")
        }
        #expect(parallelSummary.recordsIn == singleSummary.recordsIn)
        #expect(parallelSummary.recordsIn == 20_000)
        let load = try #require(parallelSummary.shards)
        #expect(load.count == shards)
        #expect(load.allSatisfy { $0 > 0 }, "37 keys over \(shards) shards: every shard gets some")
    }

    @Test func statelessPipelinesKeepInputOrder() throws {
        let path = try temp(makeInput(5000, seed: 7, keys: 5))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = PipelineSpec(name: "s", schema: schema, steps: [.clean([.require(["x"])]), .derive(name: "y", expr: Col("x") + 1)])
        let (single, _, _) = try runSingle(spec, path, batchSize: 100)
        let (parallel, _, _) = try runParallel(spec, path, shards: 3, batchSize: 100)
        #expect(parallel == single)
    }

    @Test func quotedNewlinesAndOversizedRecordsAcrossBlocks() throws {
        var text = "k,t,x,s\n"
        for i in 0..<300 {
            if i % 50 == 7 {
                text += "\"multi\nline \(i)\",\(i),1.5,\"a,b\"\n"
            } else {
                text += "k\(i % 3),\(i),\(i),ok\n"
            }
        }
        text += "k1,400," + String(repeating: "9", count: 3000) + ",ok\n"  // over the 1 KiB limit set below
        text += "k2,401,2,ok\n"
        let path = try temp(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = PipelineSpec(name: "q", schema: schema, steps: [.select(["k", "t"])])
        let letters = DeadLetters(sink: nil)
        let source = try FileBlockSource(path: path, format: .csv)
        source.maxRecordBytes = 1024
        let sink = RowSink()
        let runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: 2, prefetch: 1), source: source, sink: sink,
                                        deadLetters: letters, batchSize: 16)
        let summary = try runner.run()
        #expect(letters.count(of: .recordTooLong) == 1)
        #expect(summary.recordsIn == 302)
        #expect(sink.rows.count == 301)
        #expect(sink.rows.contains { $0["k"] == "multi\nline 7" })
        #expect(sink.rows.last?["t"] == 401)
    }

    /// A sink that is slow: the reader must not run ahead of it by more than the pool allows.
    final class SlowSink: RecordSink, @unchecked Sendable {
        // Safe: written under the runner's sink lock only; read after the run.
        var source: FileBlockSource?
        var maxAhead: Int64 = 0
        var written: Int64 = 0
        var recordsWritten: Int64 { written }
        func open(schema: Schema) throws {}
        func write(_ batch: Batch, slots: [Int]) throws {
            usleep(2000)
            written += Int64(batch.selectedCount)
            maxAhead = max(maxAhead, source!.bytesRead)
        }
        func flush() throws {}
        func close() throws {}
    }

    @Test func aSlowSinkBoundsHowFarTheReaderGetsAhead() throws {
        // About 30 MB of input; the stateless pipeline writes every batch, slowly.
        var text = "k,t,x,s\n"
        let line = "key1,1000,12.5,ok-padding-padding-padding-padding-padding-padding\n"
        text.reserveCapacity(30_000_000)
        for _ in 0..<(30_000_000 / line.utf8.count) { text += line }
        let path = try temp(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = PipelineSpec(name: "slow", schema: schema, steps: [.select(["k"])])
        let source = try FileBlockSource(path: path, format: .csv)
        let sink = SlowSink()
        sink.source = source
        let options = ParallelOptions(shards: 2, prefetch: 2)
        let runner = try ParallelRunner(spec: spec, options: options, source: source, sink: sink, deadLetters: DeadLetters(sink: nil), batchSize: 4096)
        _ = try runner.run()
        // Read-ahead is bounded by the reader's buffer (4 MiB) plus the pooled blocks, not by the input size (30 MB).
        let bound = Int64(4 << 20) + Int64(options.pooledUnits) * Int64((1 << 20) + (64 << 10))
        #expect(sink.written > 0)
        #expect(sink.maxAhead - Int64(sink.written) * Int64(line.utf8.count) < bound)
    }

    /// A file source that records when the reader had to wait for the pipeline.
    final class PausableFileSource: PausableSource, @unchecked Sendable {
        // Safe: every member is used by the reader thread only; counts are read after the run.
        let inner: FileBlockSource
        var blockedCalls = 0, unblockedCalls = 0, blockedNow = false, unblockedWhileNotBlocked = 0
        init(_ inner: FileBlockSource) { self.inner = inner }
        var name: String { inner.name }
        func open(schema: Schema) throws { try inner.open(schema: schema) }
        func makeDecoder() -> any RecordDecoder { inner.makeDecoder() }
        func next(into block: Block, maxLines: Int) throws -> Bool { try inner.next(into: block, maxLines: maxLines) }
        var bytesRead: Int64 { inner.bytesRead }
        var totalBytes: Int64? { inner.totalBytes }
        func readerBlocked() throws {
            blockedCalls += 1
            blockedNow = true
        }
        func readerUnblocked() throws {
            if !blockedNow { unblockedWhileNotBlocked += 1 }
            unblockedCalls += 1
            blockedNow = false
        }
    }

    /// A slow sink exhausts the pool: a pausable source hears about it (to pause fetching and keep
    /// its group alive) about every 100 ms, and once each time the reader gets a unit again.
    @Test func aPausableSourceIsToldWhileTheReaderWaits() throws {
        var text = "k,t,x,s\n"
        for i in 0..<100_000 { text += "key\(i % 7),\(1000 + i),1.5,ok\n" }
        let path = try temp(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        final class VerySlowSink: RecordSink, @unchecked Sendable {
            // Safe: written under the runner's sink lock only; read after the run.
            var written: Int64 = 0
            var recordsWritten: Int64 { written }
            func open(schema: Schema) throws {}
            func write(_ batch: Batch, slots: [Int]) throws {
                usleep(250_000)
                written += Int64(batch.selectedCount)
            }
            func flush() throws {}
            func close() throws {}
        }
        let source = PausableFileSource(try FileBlockSource(path: path, format: .csv))
        let sink = VerySlowSink()
        let runner = try ParallelRunner(spec: PipelineSpec(name: "slow", schema: schema, steps: [.select(["k"])]),
                                        options: ParallelOptions(shards: 1, prefetch: 0), source: source, sink: sink,
                                        deadLetters: DeadLetters(sink: nil), batchSize: 8192)
        _ = try runner.run()
        #expect(sink.written == 100_000)
        #expect(source.blockedCalls > 3, "\(source.blockedCalls)")
        #expect(source.unblockedCalls > 0 && source.unblockedWhileNotBlocked == 0)
        #expect(!source.blockedNow)
    }
}
