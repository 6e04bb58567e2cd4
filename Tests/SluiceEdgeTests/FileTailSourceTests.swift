import Foundation
import Sluice
import SluiceEdge
import SluiceFiles
import Testing

/// Tailing a file into windows, spooled, with checkpoints: a restart continues where the last
/// checkpoint was — no window lost, none counted twice — across a half-written line, rotation and
/// truncation.
@Suite(.serialized) struct FileTailSourceTests {
    let schema = Schema([Field("k", .string), Field("t", .int64), Field("x", .float64)])
    var spec: PipelineSpec {
        PipelineSpec(name: "tail-test", schema: schema, steps: [
            .window(WindowSpec(kind: .tumbling(.milliseconds(100)), by: ["k"], time: "t", aggregates: [Count(), Sum("x")])),
        ])
    }

    func lines(_ range: Range<Int>) -> [String] { range.map { "k\($0 % 7),\(1000 + $0 * 3),\(Double($0 % 13) / 4)" } }

    func append(_ path: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    final class Run: @unchecked Sendable {
        // Safe: `runner` runs on its thread; the test only requests the stop and joins.
        let source: FileTailSource
        let runner: ParallelRunner
        let finished = DispatchSemaphore(value: 0)
        var error: (any Error)?
        init(source: FileTailSource, runner: ParallelRunner) {
            self.source = source
            self.runner = runner
        }
        func start() {
            Thread { [self] in
                do { _ = try runner.run() } catch { self.error = error }
                finished.signal()
            }.start()
        }
        func stop() {
            source.stop.request()
            finished.wait()
        }
    }

    func start(_ path: String, _ dir: String, _ spool: Spool, events: EventLines) throws -> Run {
        let source = FileTailSource(path: path, format: .csv, hasHeader: true)
        source.pollSeconds = 0.01
        source.onEvent = { events.add($0) }
        let sink = RecordFormat.csv.makeEncoder(sink: SpoolByteSink(spool: spool), csvHeader: false)
        let runner = try ParallelRunner(spec: spec, options: ParallelOptions(shards: 1, prefetch: 1), source: source, sink: sink,
                                        deadLetters: DeadLetters(sink: nil), batchSize: 256)
        runner.checkpointing = CheckpointOptions(store: try CheckpointStore(directory: dir + "/state"), intervalSeconds: 0.05)
        let run = Run(source: source, runner: runner)
        run.start()
        return run
    }

    func waitUntilRead(_ run: Run, _ bytes: Int64) {
        for _ in 0..<500 where run.source.bytesRead < bytes { usleep(10_000) }
        usleep(150_000)
    }

    @Test func restartsRotationAndTruncationLoseAndRepeatNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-tail-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/events.csv"
        let spool = try Spool(directory: dir + "/spool", options: SpoolOptions(maxBytes: 8 << 20, segmentBytes: 64 << 10))
        let events = EventLines()
        var all: [String] = []

        // Run 1: a file with a half-written last line.
        let first = lines(0..<3000)
        all += first
        try ("k,t,x\n" + first.joined(separator: "\n") + "\n" + "k1,10").write(toFile: path, atomically: false, encoding: .utf8)
        var run = try start(path, dir, spool, events: events)
        waitUntilRead(run, Int64(try Data(contentsOf: URL(fileURLWithPath: path)).count))
        run.stop()
        if let error = run.error { Issue.record("run 1: \(error)") }
        #expect(run.runner.checkpoints.last != nil)

        // Run 2: resumes; the half line is finished, more lines come, then the file is rotated.
        let second = lines(3001..<6000)
        all.append("k1,10000,0.0")  // the half line "k1,10" finished
        all += second
        try append(path, "000,0.0\n")
        run = try start(path, dir, spool, events: events)
        try append(path, second.joined(separator: "\n") + "\n")
        waitUntilRead(run, Int64(try Data(contentsOf: URL(fileURLWithPath: path)).count))
        #expect(run.runner.restoredCheckpoint != nil, "resumed from the first run's checkpoint")
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        let third = lines(6000..<8000)
        all += third
        try ("k,t,x\n" + third.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        for _ in 0..<300 where !events.all.contains(where: { $0.contains("rotated") }) { usleep(10_000) }
        waitUntilRead(run, 0)
        usleep(300_000)
        run.stop()
        if let error = run.error { Issue.record("run 2: \(error)") }
        #expect(events.all.contains { $0.contains("was rotated") }, "\(events.all)")

        // Truncation while running: the file starts over; its new lines count.
        run = try start(path, dir, spool, events: events)
        usleep(200_000)
        let fourth = lines(8000..<9000)
        all += fourth
        try ("k,t,x\n" + fourth.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)  // shorter: truncated
        for _ in 0..<300 where !events.all.contains(where: { $0.contains("truncated") }) { usleep(10_000) }
        usleep(300_000)
        run.stop()
        #expect(events.all.contains { $0.contains("was truncated") }, "\(events.all)")

        // Every window closed so far, exactly once, as one uninterrupted run over all lines gives them.
        var spooled: [String] = []
        while let batch = try spool.read(max: 1000) {
            spooled += batch.records.map { String(decoding: $0, as: UTF8.self) }
            try spool.acknowledge(before: batch.firstSequence + UInt64(batch.records.count))
        }
        #expect(Set(spooled).count == spooled.count, "no window twice")
        let reference = RowSink()
        let rows = all.map { line -> [String: Value] in
            let f = line.split(separator: ",")
            return ["k": .string(String(f[0])), "t": .int(Int64(f[1])!), "x": .double(Double(f[2])!)]
        }
        let plan = try PlanCompiler.compile(spec, deadLetters: DeadLetters(sink: nil))
        _ = try PipelineRunner(plan: plan, source: RowSource(rows), sink: reference, deadLetters: DeadLetters(sink: nil)).run()
        func text(_ v: Value?) -> String {
            switch v {
            case .string(let s): return s
            case .int(let i): return String(i)
            default: return "\(String(describing: v))"
            }
        }
        let expected = reference.rows.map { r in "\(text(r["k"])),\(text(r["window_start"])),\(text(r["cnt"]))" }
        let got = spooled.map { line -> String in
            let f = line.split(separator: ",")
            return "\(f[0]),\(f[1]),\(f[2])"
        }
        let missing = Set(expected).subtracting(got)
        let extra = Set(got).subtracting(expected)
        #expect(extra.isEmpty, "\(extra.count) extra of \(got.count) (\(expected.count) expected), e.g. \(extra.sorted().prefix(5)); missing e.g. \(missing.sorted().prefix(5))")
        // Only windows still open at the end (the last of each key) may be missing.
        #expect(missing.count <= 7, "\(missing.count) missing, e.g. \(missing.sorted().prefix(5))")
    }
}

final class EventLines: @unchecked Sendable {
    // Safe: guarded by `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }
}
