import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceML

/// Measures the drift detectors (ADWIN, Page-Hinkley, DDM) on generated
/// streams whose change points are known: detection delay, missed changes,
/// false alarms and speed, over several seeds. With `--emit` it writes one of
/// the generated streams as CSV instead, so the same data can be fed to a
/// pipeline or another tool.
///
/// Scoring is ``DriftEvaluation``'s: a change is detected by the first drift
/// signalled within `--horizon` values after it; signals outside every such
/// window are false alarms, counted per 100 000 values outside the windows.
struct BenchDriftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-drift",
        abstract: "Benchmark the drift detectors on generated streams with known change points.",
        discussion: """
        Streams (each seed generates each stream afresh): error rates 0.1 -> 0.4 and 0.1 -> 0.2, a Gaussian mean \
        shift 0 -> 1 (sd 1), and the errors of a classifier fitted to SEA concept 1 (f1 + f2 <= 8, 10 % label \
        noise) when the stream switches abruptly to concept 2 (theta 9) or gradually (sigmoid, 2000 values wide) \
        to concept 3 (theta 7): changes at value 10000 of 20000; plus stationary streams of 100000 values. \
        DDM runs on 0/1 streams only; Page-Hinkley scaled for unit variance on the Gaussian streams only. \
        Delays of the gradual change are counted from the start of the transition (value 9000). \
        Updates/s time the detector alone, on values generated beforehand (median over the seeds). Build with `swift build -c release` first. \
        --emit NAME writes that stream (seed --first-seed) as CSV to stdout: sea-abrupt, sea-gradual and \
        hyperplane as labelled rows (features, label); the others as one `value` column.
        """)

    @Option(help: "Number of seeds per stream.")
    var seeds: Int = 20

    @Option(help: "The first seed; seeds are consecutive.")
    var firstSeed: UInt64 = 1

    @Option(help: "Values after a change point within which a drift signal detects it.")
    var horizon: Int = 5_000

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    @Option(help: "Write this stream as CSV to stdout instead of benchmarking (see the list above).")
    var emit: String?

    @Option(help: "Rows to write with --emit (default: the stream's benchmark length; hyperplane: 20000).")
    var rows: Int?

    struct Result: Codable {
        var detector: String
        var stream: String
        var seeds: Int
        var changes: Int
        var meanDelay: Double?
        var maxDelay: Int?
        var missed: Int
        var falseAlarms: Int
        var falseAlarmsPer100k: Double
        var repeatDetections: Int
        var updatesPerSecond: Double
    }

    /// A benchmark stream: its values for a seed and its change points.
    struct Stream {
        var name: String
        var length: Int
        var changePoints: [Int]
        var binary: Bool
        var values: (UInt64) -> [Double]
    }

    /// A detector under test: a name, which streams it applies to, and a run over values.
    struct Detector {
        var name: String
        var appliesTo: (Stream) -> Bool
        var run: (_ values: [Double], _ changePoints: [Int], _ horizon: Int) -> (DriftEvaluation, seconds: Double)
    }

    static let changeAt = 10_000
    static let changeLength = 20_000
    static let stationaryLength = 100_000
    static let gradualWidth = 2_000

    func validate() throws {
        guard seeds > 0, horizon > 0 else { throw ValidationError("--seeds and --horizon must be positive") }
        if let rows, rows < 0 { throw ValidationError("--rows must not be negative") }
    }

    func run() throws {
        if let emit { return try emitCSV(emit) }
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif
        let streams = Self.streams()
        let detectors = Self.detectors()
        var results: [Result] = []
        for stream in streams {
            for detector in detectors where detector.appliesTo(stream) {
                var delays: [Int] = []
                var missed = 0, falseAlarms = 0, repeats = 0, stationary = 0, changes = 0
                var rates: [Double] = []
                for seed in firstSeed..<(firstSeed + UInt64(seeds)) {
                    let values = stream.values(seed)
                    let (evaluation, time) = detector.run(values, stream.changePoints, horizon)
                    delays += evaluation.delays
                    missed += evaluation.missed
                    falseAlarms += evaluation.falseAlarms
                    repeats += evaluation.repeatDetections
                    stationary += evaluation.stationarySamples
                    changes += stream.changePoints.count
                    rates.append(Double(values.count) / max(time, 1e-9))
                }
                results.append(Result(
                    detector: detector.name, stream: stream.name, seeds: seeds, changes: changes,
                    meanDelay: delays.isEmpty ? nil : Double(delays.reduce(0, +)) / Double(delays.count),
                    maxDelay: delays.max(), missed: missed, falseAlarms: falseAlarms,
                    falseAlarmsPer100k: stationary == 0 ? 0 : Double(falseAlarms) * 100_000 / Double(stationary),
                    repeatDetections: repeats, updatesPerSecond: rates.sorted()[rates.count / 2]))
            }
        }
        printTable(results)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
    }

    private func printTable(_ results: [Result]) {
        print("sluice bench-drift: seeds \(firstSeed)...\(firstSeed + UInt64(seeds) - 1); change at value \(Self.changeAt) of \(Self.changeLength) "
            + "(stationary streams: \(Self.stationaryLength) values); detection horizon \(horizon) values")
        let header = ["detector", "stream", "mean delay", "max delay", "missed", "false alarms/100k", "repeats", "updates/s"]
        let widths = [26, 30, 11, 10, 9, 18, 8, 10]
        func row(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
        }
        print(row(header))
        for r in results {
            print(row([
                r.detector, r.stream,
                r.meanDelay.map { fixed($0, 0) } ?? "-",
                r.maxDelay.map(String.init) ?? "-",
                r.changes == 0 ? "-" : "\(r.missed)/\(r.changes)",
                fixed(r.falseAlarmsPer100k, 1) + " (\(r.falseAlarms))",
                r.changes == 0 ? "-" : String(r.repeatDetections),
                formatRate(r.updatesPerSecond),
            ]))
        }
    }

    // MARK: - Streams

    /// The 0/1 errors of a fixed classifier that predicts SEA concept 0 (θ = 8) while the stream follows `schedule`.
    static func staleModelErrors(seed: UInt64, schedule: DriftSchedule, count: Int) -> [Double] {
        var sea = SEAGenerator(seed: seed, schedule: schedule, noise: 0.1)
        return (0..<count).map { _ in
            let sample = sea.nextSample()
            return SEAGenerator.label(of: sample.features, concept: 0) == sample.label ? 0 : 1
        }
    }

    static let seaAbrupt = DriftSchedule(changes: [.init(at: changeAt, to: 1)])
    static let seaGradual = DriftSchedule(changes: [.init(at: changeAt, to: 2, width: gradualWidth)])

    static func streams() -> [Stream] {
        func shift(_ name: String, _ before: ChangePointStream.Distribution, _ after: ChangePointStream.Distribution?,
                   binary: Bool) -> Stream {
            let length = after == nil ? stationaryLength : changeLength
            return Stream(name: name, length: length, changePoints: after == nil ? [] : [changeAt], binary: binary) { seed in
                var stream = ChangePointStream(seed: seed, before, changes: after.map { [(changeAt, $0)] } ?? [])
                return stream.values(length)
            }
        }
        let unit = ChangePointStream.Distribution.gaussian(mean: 0, standardDeviation: 1)
        return [
            shift("bernoulli-0.1-0.4", .bernoulli(0.1), .bernoulli(0.4), binary: true),
            shift("bernoulli-0.1-0.2", .bernoulli(0.1), .bernoulli(0.2), binary: true),
            shift("gaussian-0-1", unit, .gaussian(mean: 1, standardDeviation: 1), binary: false),
            Stream(name: "sea-abrupt (errors)", length: changeLength, changePoints: [changeAt], binary: true) {
                staleModelErrors(seed: $0, schedule: seaAbrupt, count: changeLength)
            },
            Stream(name: "sea-gradual (errors)", length: changeLength, changePoints: [changeAt - gradualWidth / 2], binary: true) {
                staleModelErrors(seed: $0, schedule: seaGradual, count: changeLength)
            },
            shift("stationary-bernoulli-0.1", .bernoulli(0.1), nil, binary: true),
            shift("stationary-bernoulli-0.4", .bernoulli(0.4), nil, binary: true),
            shift("stationary-gaussian", unit, nil, binary: false),
        ]
    }

    // MARK: - Detectors

    /// Feeds `values` to `detector` (timing the updates alone) and scores the drift signals.
    static func measure<D: DriftDetector>(_ detector: D, _ values: [Double], _ changePoints: [Int],
                                          _ horizon: Int) -> (DriftEvaluation, seconds: Double) {
        var detector = detector
        var detections: [Int] = []
        detections.reserveCapacity(64)
        let start = monotonicSeconds()
        for i in values.indices {
            if case .drift = detector.update(values[i]) { detections.append(i) }  // a tag test, not a generic ==
        }
        let seconds = monotonicSeconds() - start
        return (DriftEvaluation(samples: values.count, changePoints: changePoints, detections: detections, horizon: horizon), seconds)
    }

    static func detectors() -> [Detector] {
        [
            Detector(name: "ADWIN", appliesTo: { _ in true }) { measure(ADWIN(), $0, $1, $2) },
            Detector(name: "Page-Hinkley", appliesTo: { _ in true }) { measure(PageHinkley(), $0, $1, $2) },
            Detector(name: "Page-Hinkley d=0.25 l=25", appliesTo: { !$0.binary }) {
                measure(PageHinkley(delta: 0.25, threshold: 25), $0, $1, $2)
            },
            Detector(name: "DDM", appliesTo: { $0.binary }) { measure(DDM(), $0, $1, $2) },
        ]
    }

    // MARK: - CSV

    private func emitCSV(_ name: String) throws {
        func write<S: SyntheticStream>(_ stream: S, rows: Int) {
            var stream = stream
            print(stream.csvHeader)
            var remaining = rows
            while remaining > 0 {
                let chunk = min(remaining, 10_000)
                var text = ""
                stream.appendCSV(rows: chunk, to: &text)
                print(text, terminator: "")
                remaining -= chunk
            }
        }
        switch name {
        case "sea-abrupt": write(SEAGenerator(seed: firstSeed, schedule: Self.seaAbrupt), rows: rows ?? Self.changeLength)
        case "sea-gradual": write(SEAGenerator(seed: firstSeed, schedule: Self.seaGradual), rows: rows ?? Self.changeLength)
        case "hyperplane": write(RotatingHyperplane(seed: firstSeed), rows: rows ?? 20_000)
        default:
            guard let stream = Self.streams().first(where: { $0.name == name || $0.name.hasPrefix(name + " ") }) else {
                let names = ["sea-abrupt", "sea-gradual", "hyperplane"] + Self.streams().map(\.name).filter { !$0.hasPrefix("sea-") }
                throw ValidationError("unknown stream '\(name)'; streams: \(names.joined(separator: ", "))")
            }
            let values = stream.values(firstSeed)
            var text = "value\n"
            for value in values.prefix(rows ?? values.count) { text += value.description + "\n" }
            print(text, terminator: "")
            if let rows, rows > values.count { printError("note: \(stream.name) has \(values.count) values") }
        }
    }
}
