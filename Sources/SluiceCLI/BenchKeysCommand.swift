import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceFiles

/// Memory under high key cardinality: a stream of `--keys` distinct keys, each alive only briefly
/// (`--events-per-key` consecutive-ish records), through a window keyed by them. State and RSS
/// must follow the keys alive at once, not the keys ever seen: decoder dictionaries reset at
/// their size limit, and windows compact their key space to the keys of open windows.
struct BenchKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-keys",
        abstract: "Benchmark state and RSS with many distinct, short-lived keys (tumbling, session and count windows).",
        discussion: "Generates the stream into --data-dir if missing (one run per --keys value). Build with `swift build -c release` first.")

    @Option(help: "Comma-separated numbers of distinct keys, one run each.")
    var keys: String = "100000,1000000,3000000"

    @Option(help: "Records per key (spread over a short span of event time).")
    var eventsPerKey: Int = 4

    @Option(help: "Where the generated streams live.")
    var dataDir: String = "data/bench-keys"

    @Option(help: "Comma-separated window kinds: tumbling, session, count.")
    var kinds: String = "tumbling,session,count"

    final class CountingSink: RecordSink {
        private(set) var recordsWritten: Int64 = 0
        func open(schema: Schema) throws {}
        func write(_ batch: Batch, slots: [Int]) throws { recordsWritten += Int64(batch.selectedCount) }
        func flush() throws {}
        func close() throws {}
    }

    /// Record i belongs to key `(i + jitter) / eventsPerKey` at time `base + i` ms: about
    /// `eventsPerKey` keys interleave at any moment, and each key lives a few milliseconds.
    func writeStream(_ path: String, keys: Int) throws {
        guard let out = FileHandle(forWritingAtPath: path) ?? {
            FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { throw RuntimeError("cannot write \(path)") }
        defer { try? out.close() }
        var text = "user,ts,amount\n"
        let n = keys * eventsPerKey
        var rng = SystemRandomNumberGenerator()
        _ = rng
        for i in 0..<n {
            let key = min(keys - 1, (i + (i * 7919) % 3) / eventsPerKey)
            text += "user-\(key),\(1_700_000_000_000 + Int64(i)),\(i % 100).5\n"
            if text.utf8.count > 1 << 20 {
                try out.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        try out.write(contentsOf: Data(text.utf8))
    }

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        let counts = keys.split(separator: ",").compactMap { Int($0) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 }), eventsPerKey > 0 else { throw ValidationError("--keys must list positive numbers") }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let kindList: [(String, WindowKind)] = kinds.split(separator: ",").map(String.init).compactMap { name in
            switch name {
            case "tumbling": return (name, .tumbling(.seconds(1)))
            case "session": return (name, .session(gap: .milliseconds(100)))
            case "count": return (name, .count(3))
            default: return nil
            }
        }
        print("sluice bench-keys: \(eventsPerKey) records per key, each key alive for a few ms; single thread, in process; output counted")
        print("window         keys        records     events/s    peak state MiB  peak RSS MiB  rows out")
        for (name, kind) in kindList {
            for count in counts {
                let path = "\(dataDir)/keys-\(count)-x\(eventsPerKey).csv"
                if !FileManager.default.fileExists(atPath: path) { try writeStream(path, keys: count) }
                let spec = Pipeline("bench-keys", schema: Schema { Field("user", .string); Field("ts", .int64); Field("amount", .float64) }) {
                    Window(kind, by: "user", time: "ts") { Count(); Sum("amount") }.ttl(.seconds(1))
                }.spec
                var specWithTTL = spec
                if case .count = kind {} else if case .window(var w) = specWithTTL.steps[0] {
                    w.ttl = nil
                    specWithTTL.steps[0] = .window(w)
                }
                let letters = DeadLetters(sink: nil)
                let plan: PhysicalPlan
                do { plan = try PlanCompiler.compile(specWithTTL, deadLetters: letters) } catch { throw RuntimeError(error.message) }
                var peakState = 0
                let sink = CountingSink()
                let runner = PipelineRunner(plan: plan, source: try FileSource(path: path, decoder: CSVDecoder()), sink: sink, deadLetters: letters)
                runner.progressInterval = 0.05
                let summary = try runner.run { _ in
                    let state = plan.stages.compactMap { $0.terminal?.stateBytes }.reduce(0, +)
                        + plan.dictionaries.values.reduce(0) { $0 + $1.byteSize }
                    peakState = max(peakState, state)
                }
                print([
                    name.padding(toLength: 15, withPad: " ", startingAt: 0),
                    String(count).padding(toLength: 12, withPad: " ", startingAt: 0),
                    String(summary.recordsIn).padding(toLength: 12, withPad: " ", startingAt: 0),
                    formatRate(summary.eventsPerSecond).padding(toLength: 12, withPad: " ", startingAt: 0),
                    fixed(Double(peakState) / 1_048_576, 1).padding(toLength: 16, withPad: " ", startingAt: 0),
                    fixed(Double(summary.peakRSSBytes) / 1_048_576, 1).padding(toLength: 14, withPad: " ", startingAt: 0),
                    String(sink.recordsWritten),
                ].joined())
            }
        }
        print("(peak RSS is the process's high-water mark so far, so later rows include earlier runs)")
    }
}
