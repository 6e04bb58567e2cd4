import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceFiles
import SluiceWorkload

/// Measures window kinds on the canonical workload: the canonical 10 s tumbling window next to a
/// 60 s window sliding every second (which shares 1 s panes between its 60 overlapping windows),
/// and session and count windows.
///
/// In process, release build, single thread: decode + clean + normalize + window; output rows are
/// counted and dropped, so the figures show the window's cost, not the encoder's.
struct BenchWindowsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-windows",
        abstract: "Benchmark window kinds on the canonical workload: 10 s tumbling vs 60 s sliding every 1 s, sessions, count windows.",
        discussion: "Generates the workload CSV into --data-dir if missing. Build with `swift build -c release` first.")

    @Option(name: .shortAndLong, help: "Number of events.")
    var events: Int = 2_000_000

    @Option(help: "Runs per variant; the median is reported.")
    var runs: Int = 3

    @Option(help: "Where the generated workload data lives (reused between runs).")
    var dataDir: String = "data/bench"

    @Option(help: "Comma-separated variants to run (default: all): tumbling-10s, tumbling-60s, sliding-60s-10s, sliding-60s-1s, session-5s, count-100, features+tumbling-10s.")
    var only: String?

    /// Counts rows and drops them.
    final class CountingSink: RecordSink {
        private(set) var recordsWritten: Int64 = 0
        func open(schema: Schema) throws {}
        func write(_ batch: Batch, slots: [Int]) throws { recordsWritten += Int64(batch.selectedCount) }
        func flush() throws {}
        func close() throws {}
    }

    static let variants: [(name: String, kind: WindowKind)] = [
        ("tumbling-10s", .tumbling(.seconds(10))),
        ("tumbling-60s", .tumbling(.seconds(60))),
        ("sliding-60s-10s", .sliding(size: .seconds(60), every: .seconds(10))),
        ("sliding-60s-1s", .sliding(size: .seconds(60), every: .seconds(1))),
        ("session-5s", .session(gap: .seconds(5))),
        ("count-100", .count(100)),
    ]

    /// The canonical pipeline with a `features` step before its window: lag, rolling mean/std over
    /// the last 10 values, EWMA and a running z-score per sensor.
    static let featuresVariant = "features+tumbling-10s"

    static func featuresPipeline() -> PipelineSpec {
        var spec = pipeline(.tumbling(.seconds(10)))
        let window = spec.steps.removeLast()
        spec.steps.append(.features(FeatureSpec(by: ["sensor_id"], time: "ts", features: [
            Lag("temp_z", 1), Rolling("temp_z", last: 10), EWMA("temp_z", alpha: 0.1), RunningZScore("temp", warmUp: 10),
        ])))
        spec.steps.append(window)
        return spec
    }

    static func pipeline(_ kind: WindowKind) -> PipelineSpec {
        Pipeline("bench-windows", schema: Schema {
            Field("sensor_id", .string); Field("ts", .int64); Field("temp", .float64); Field("humidity", .float64); Field("status", .string)
        }) {
            Clean {
                Require("temp", "humidity")
                InRange("temp", -50...150)
                InRange("humidity", 0...100)
                Drop(where: Col("status") == "err")
            }
            Normalize {
                ZScore("temp", mean: 20, std: 10, as: "temp_z")
                MinMax("humidity", 0...100, as: "hum_n")
            }
            Derive("feat", Col("temp_z") * Col("hum_n"))
            Window(kind, by: "sensor_id", time: "ts") { Count(); Mean("temp_z"); Min("temp_z"); Max("temp_z"); Sum("feat") }
        }.spec
    }

    func run() throws {
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        guard events > 0, runs > 0 else { throw ValidationError("--events and --runs must be positive") }
        let path = WorkloadFiles.csvPath(in: dataDir, events: events)
        if !FileManager.default.fileExists(atPath: path) {
            printError("generating \(events) events into \(dataDir) ...")
            _ = try WorkloadGenerator(events: events).write(to: dataDir, formats: [.csv])
        }
        let selected = only.map { Set($0.split(separator: ",").map(String.init)) }
        let names = Self.variants.map(\.name) + [Self.featuresVariant]
        if let selected, let unknown = selected.first(where: { !names.contains($0) }) {
            throw ValidationError("unknown variant '\(unknown)'; choose from \(names.joined(separator: ", "))")
        }
        print("sluice bench-windows: \(events) events (canonical workload, CSV), single thread, in process, output rows counted not encoded; median of \(runs)")
        print("variant           events/s    median s  rows out    state MiB  vs tumbling-10s")
        var baseline: Double?
        let runs: [(String, PipelineSpec)] = Self.variants.map { ($0.name, Self.pipeline($0.kind)) } + [(Self.featuresVariant, Self.featuresPipeline())]
        for (name, spec) in runs where selected?.contains(name) ?? true {
            var times: [Double] = []
            var rows: Int64 = 0
            var state = 0
            for _ in 0..<self.runs {
                let letters = DeadLetters(sink: nil)
                let plan: PhysicalPlan
                do { plan = try PlanCompiler.compile(spec, deadLetters: letters) } catch { throw RuntimeError(error.message) }
                let sink = CountingSink()
                var peakState = 0
                let summary = try PipelineRunner(plan: plan, source: try FileSource(path: path, decoder: CSVDecoder()), sink: sink,
                                                 deadLetters: letters).run { _ in
                    peakState = max(peakState, plan.stateBytes)
                }
                times.append(summary.seconds)
                rows = sink.recordsWritten
                state = max(peakState, plan.stateBytes)
            }
            let median = times.sorted()[times.count / 2]
            let rate = Double(events) / median
            if name == "tumbling-10s" { baseline = rate }
            print([
                name.padding(toLength: 18, withPad: " ", startingAt: 0),
                formatRate(rate).padding(toLength: 12, withPad: " ", startingAt: 0),
                fixed(median, 3).padding(toLength: 10, withPad: " ", startingAt: 0),
                String(rows).padding(toLength: 11, withPad: " ", startingAt: 0),
                fixed(Double(state) / 1_048_576, 1).padding(toLength: 11, withPad: " ", startingAt: 0),
                baseline.map { fixed(rate / $0, 2) + "x" } ?? "-",
            ].joined())
        }
    }
}
