import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceFiles

/// Measures the `enrich` step: a stream whose keys follow a Zipf law over a
/// file lookup table, enriched without a cache (a `pread` + decode per record),
/// with an LRU cache, and from a preloaded table, next to decoding alone.
///
/// In-process, release build: the figures are the run's own time (decode +
/// enrich, output rows counted and dropped), median of `--runs`; opening the
/// table (one indexing pass) is timed apart.
struct BenchEnrichCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-enrich",
        abstract: "Benchmark the enrich step: a file lookup table with and without its LRU cache, on Zipf-distributed keys.",
        discussion: """
        Generates (into --data-dir, reused) a lookup table of --rows sensors and a CSV stream of --events \
        events whose sensor ids follow a Zipf law of exponent --zipf (plus --unknown of ids not in the table), \
        then runs the pipeline in process. Build with `swift build -c release` first.
        """)

    @Option(help: "Rows (distinct keys) in the lookup table.")
    var rows: Int = 100_000

    @Option(name: .shortAndLong, help: "Events in the stream.")
    var events: Int = 2_000_000

    @Option(help: "LRU cache capacity (entries) for the cached variant.")
    var capacity: Int = 10_000

    @Option(help: "Zipf exponent of the key distribution (0: uniform; 1: classic Zipf).")
    var zipf: Double = 1.0

    @Option(help: "Share of events whose key is not in the table.")
    var unknown: Double = 0.01

    @Option(help: "Runs per variant; the median is reported.")
    var runs: Int = 3

    @Option(help: "Where the generated table and stream live (reused between runs).")
    var dataDir: String = "data/bench-enrich"

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    struct Result: Codable {
        var variant: String
        var runs: [Double]
        var medianSeconds: Double
        var eventsPerSecond: Double
        var openSeconds: Double
        var tableLookups: Int
        var diskReads: Int
        var hitRate: Double?
        /// (this variant's time - decoding alone) per event: what the enrich step costs per record.
        var enrichNanosecondsPerEvent: Double?
    }

    /// Counts rows and drops them: the benchmark measures decoding and enriching, not encoding.
    final class CountingSink: RecordSink {
        private(set) var recordsWritten: Int64 = 0
        func open(schema: Schema) throws {}
        func write(_ batch: Batch, slots: [Int]) throws { recordsWritten += Int64(batch.selectedCount) }
        func flush() throws {}
        func close() throws {}
    }

    func validate() throws {
        guard rows > 0, events > 0, runs > 0, capacity > 0 else { throw ValidationError("--rows, --events, --runs and --capacity must be positive") }
        guard zipf >= 0, (0...1).contains(unknown) else { throw ValidationError("--zipf must not be negative and --unknown must be within 0...1") }
    }

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let tableName = "sensors-\(rows).csv"
        let eventsPath = "\(dataDir)/events-\(events)-zipf\(zipf)-unknown\(unknown)-of\(rows)-seed\(seed).csv"
        let tablePath = "\(dataDir)/\(tableName)"
        if !FileManager.default.fileExists(atPath: tablePath) { try writeTable(tablePath) }
        if !FileManager.default.fileExists(atPath: eventsPath) { try writeEvents(eventsPath) }
        let tableBytes = (try? FileManager.default.attributesOfItem(atPath: tablePath)[.size] as? Int) ?? 0

        let schema = Schema([Field("sensor_id", .string), Field("ts", .int64), Field("temp", .float64)])
        let fields = [Field("site", .string), Field("region", .string), Field("elevation", .float64)]
        func enrich(_ cache: CachePolicy, preload: Bool = false) -> [Step] {
            [.enrich(EnrichSpec(table: tableName, key: "sensor_id", fields: fields, onMiss: .keep, cache: cache, preload: preload))]
        }
        let variants: [(String, [Step])] = [
            ("decode only (no enrich step)", []),
            ("enrich, file table, no cache", enrich(.none)),
            ("enrich, file table, LRU \(capacity)", enrich(.lru(capacity: capacity))),
            ("enrich, preloaded table, no cache", enrich(.none, preload: true)),
            ("enrich, preloaded table, LRU \(capacity)", enrich(.lru(capacity: capacity), preload: true)),
        ]
        warmPageCache(eventsPath)
        warmPageCache(tablePath)

        var results: [Result] = []
        for (name, steps) in variants {
            let spec = PipelineSpec(name: "bench-enrich", schema: schema, steps: steps)
            var times: [Double] = [], opens: [Double] = []
            var stats: EnrichStatistics?
            for _ in 0..<runs {
                let letters = DeadLetters(sink: nil)
                let openStart = monotonicSeconds()
                let plan: PhysicalPlan
                do {
                    plan = try PlanCompiler.compile(spec, deadLetters: letters, resources: .files(relativeTo: dataDir))
                } catch {
                    throw RuntimeError(error.message)
                }
                opens.append(monotonicSeconds() - openStart)
                let source = try FileSource(path: eventsPath, decoder: CSVDecoder())
                let sink = CountingSink()
                let summary = try PipelineRunner(plan: plan, source: source, sink: sink, deadLetters: letters).run()
                guard summary.recordsIn == Int64(events), sink.recordsWritten == Int64(events) else {
                    throw RuntimeError("\(name): \(summary.recordsIn) records in, \(sink.recordsWritten) out; expected \(events)")
                }
                times.append(summary.seconds)
                stats = plan.enrichStatistics.first
            }
            let median = times.sorted()[times.count / 2]
            results.append(Result(variant: name, runs: times, medianSeconds: median, eventsPerSecond: Double(events) / median,
                                  openSeconds: opens.sorted()[opens.count / 2], tableLookups: stats?.tableLookups ?? 0,
                                  diskReads: stats?.storageReads ?? 0, hitRate: stats?.cache?.hitRate))
        }

        let sampler = ZipfSampler(n: rows, exponent: zipf, seed: seed)
        print("sluice bench-enrich: \(events) events, keys Zipf(s = \(zipf)) over \(rows) table rows + \(fixed(unknown * 100, 1)) % unknown; "
            + "table \(fixed(Double(tableBytes) / 1_048_576, 1)) MiB CSV; median of \(runs) run\(runs == 1 ? "" : "s"), in process")
        print("(the \(capacity) hottest keys carry \(fixed(sampler.mass(ofTop: capacity) * (1 - unknown) * 100, 1)) % of events: the hit rate of a cache that held exactly them)")
        let decodeOnly = results[0].medianSeconds
        for i in results.indices.dropFirst() {
            results[i].enrichNanosecondsPerEvent = (results[i].medianSeconds - decodeOnly) / Double(events) * 1e9
        }
        print("variant                                 events/s    median s  enrich ns/row  open s   table lookups  disk reads  hit rate")
        for r in results {
            let cols = [
                r.variant.padding(toLength: 39, withPad: " ", startingAt: 0),
                formatRate(r.eventsPerSecond).padding(toLength: 11, withPad: " ", startingAt: 0),
                fixed(r.medianSeconds, 3).padding(toLength: 9, withPad: " ", startingAt: 0),
                (r.enrichNanosecondsPerEvent.map { fixed($0, 0) } ?? "-").padding(toLength: 14, withPad: " ", startingAt: 0),
                fixed(r.openSeconds, 3).padding(toLength: 8, withPad: " ", startingAt: 0),
                String(r.tableLookups).padding(toLength: 14, withPad: " ", startingAt: 0),
                String(r.diskReads).padding(toLength: 11, withPad: " ", startingAt: 0),
                r.hitRate.map { fixed($0 * 100, 1) + " %" } ?? "-",
            ]
            print(cols.joined())
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
    }

    private func key(_ i: Int) -> String {
        let digits = String(i)
        return "s" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    private func writeTable(_ path: String) throws {
        printError("generating a \(rows)-row lookup table at \(path) ...")
        var sampler = ZipfSampler(n: 1, exponent: 0, seed: seed ^ 0x7AB1E)
        var text = "sensor_id,site,region,elevation\n"
        text.reserveCapacity(rows * 40)
        for i in 0..<rows {
            let elevation = Double(sampler.nextBits() % 400_000) / 100
            text += "\(key(i)),site-\(i % 9973),region-\(i % 17),\(fixed(elevation, 2))\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private func writeEvents(_ path: String) throws {
        printError("generating \(events) events at \(path) ...")
        var sampler = ZipfSampler(n: rows, exponent: zipf, seed: seed)
        // Hot keys are spread over the table, not its first rows: rank r is key permutation[r].
        var permutation = Array(0..<rows)
        for i in stride(from: rows - 1, to: 0, by: -1) {
            permutation.swapAt(i, Int(sampler.nextBits() % UInt64(i + 1)))
        }
        var out = [UInt8]()
        out.reserveCapacity(events * 32)
        out.append(contentsOf: "sensor_id,ts,temp\n".utf8)
        let start: Int64 = 1_700_000_000_000
        for e in 0..<events {
            let id = sampler.uniform() < unknown ? "u" + key(Int(sampler.nextBits() % UInt64(rows))).dropFirst() : key(permutation[sampler.next()])
            let temp = Double(sampler.nextBits() % 6000) / 100 - 10
            out.append(contentsOf: "\(id),\(start + Int64(e)),\(fixed(temp, 2))\n".utf8)
        }
        try Data(out).write(to: URL(fileURLWithPath: path))
    }

    private func warmPageCache(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while read(fd, buffer, 1 << 20) > 0 {}
    }
}
