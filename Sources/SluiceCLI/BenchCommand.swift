import ArgumentParser
import Foundation
import Sluice
import SluiceCommandCore
import SluiceWorkload

/// Measures the canonical workload end to end, the way WORKLOAD.md asks:
/// release binary, whole process from start to output written, input in the
/// page cache, median of several runs, peak RSS of the process, checksum
/// verified against the generator's expectation.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark a pipeline on the canonical workload: events/s and peak RSS, checksum verified.",
        discussion: """
        Generates the workload data if missing (into --data-dir), then runs `sluice run` as a \
        child process --runs times per format and prints the median rate and peak RSS. \
        Build with `swift build -c release` first: debug builds are 10-50x slower.
        """)

    @Argument(help: "The pipeline to benchmark (the canonical workload is sensor-features).")
    var name: String = "sensor-features"

    @Option(name: .shortAndLong, help: "Number of events.")
    var events: Int = 10_000_000

    @Option(help: "Runs per format; the median is reported.")
    var runs: Int = 3

    @Option(help: "Comma-separated input formats to measure.")
    var formats: String = "csv,ndjson"

    @Option(help: "Where the generated workload data lives (reused between runs).")
    var dataDir: String = "data/bench"

    @Option(help: "Worker threads for `sluice run` (default: the number of cores; 1 with --prefetch 0 is single-threaded).")
    var shards: Int = ParallelOptions.defaultShards

    @Option(help: "Blocks read ahead, passed to `sluice run`.")
    var prefetch: Int = 4

    @Option(help: "Extra arguments passed to `sluice run`, e.g. --run-arguments='--batch-size 8192'.")
    var runArguments: String = ""

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    struct Result: Codable {
        var format: String
        var events: Int
        var runs: [Double]
        var medianSeconds: Double
        var eventsPerSecond: Double
        var peakRSSBytes: Int
        var checksum: String
        var checksumOK: Bool
    }

    func run() throws {
        guard CommandContext.pipelines.named(name) != nil else { throw ValidationError("no pipeline named '\(name)'") }
        guard runs > 0, events > 0 else { throw ValidationError("--runs and --events must be positive") }
        let wanted = try formats.split(separator: ",").map { f -> WorkloadFormat in
            guard let format = WorkloadFormat(rawValue: String(f)) else { throw ValidationError("unknown format '\(f)'") }
            return format
        }
        let expectation = try ensureData(wanted)
        let exe = try executablePath()
        #if DEBUG
        printError("warning: this is a debug build; use `swift build -c release` and .build/release/sluice for meaningful figures")
        #endif

        var results: [Result] = []
        for format in wanted {
            let inputPath = WorkloadFiles.eventsPath(for: format, in: dataDir, events: events)
            let outputPath = "\(dataDir)/bench-output-\(format.rawValue).csv"
            // Warm the page cache, as the workload's rules ask, in small reads: on Linux a child's
            // peak RSS starts from this process's (posix_spawn shares memory until exec).
            warmPageCache(inputPath)
            var times: [Double] = []
            var peak = 0
            for _ in 0..<runs {
                let summaryPath = "\(dataDir)/bench-summary.json"
                let args = [exe, "run", name, "--input", inputPath, "--output", outputPath, "--dead-letter", "none", "--quiet", "--summary-json", summaryPath,
                            "--shards", "\(shards)", "--prefetch", "\(prefetch)"]
                    + runArguments.split(separator: " ").map(String.init)
                let (seconds, _, status) = try spawnAndMeasure(args)
                guard status == 0 else { throw RuntimeError("`\(args.joined(separator: " "))` exited with status \(status)") }
                times.append(seconds)
                // The child's own high-water mark (rusage would include this process's memory).
                let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: summaryPath)))
                peak = max(peak, summary.peakRSSBytes)
                try? FileManager.default.removeItem(atPath: summaryPath)
            }
            let checksum = try WorkloadChecksum(contentsOf: outputPath)
            let ok = checksum.matches(expectation)
            let median = times.sorted()[times.count / 2]
            results.append(Result(format: format.rawValue, events: events, runs: times, medianSeconds: median,
                                  eventsPerSecond: Double(events) / median, peakRSSBytes: peak,
                                  checksum: checksum.short, checksumOK: ok))
            if !ok { printError(checksum.report(comparedTo: expectation)) }
            try? FileManager.default.removeItem(atPath: outputPath)
        }

        let layout = shards == 1 && prefetch == 0 ? "single thread" : "\(shards) shard\(shards == 1 ? "" : "s"), prefetch \(prefetch)"
        print("sluice bench \(name): \(events) events, \(layout), \(runs) run\(runs == 1 ? "" : "s") per format, median, whole process")
        print("format   events/s      median s   peak RSS   checksum")
        for r in results {
            print("\(r.format.padding(toLength: 8, withPad: " ", startingAt: 0)) \((formatRate(r.eventsPerSecond)).padding(toLength: 13, withPad: " ", startingAt: 0)) \(fixed(r.medianSeconds, 3).padding(toLength: 10, withPad: " ", startingAt: 0)) \((fixed(Double(r.peakRSSBytes) / 1_048_576, 1) + " MB").padding(toLength: 10, withPad: " ", startingAt: 0)) \(r.checksum) \(r.checksumOK ? "ok" : "MISMATCH")")
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
        if results.contains(where: { !$0.checksumOK }) { throw RuntimeError("checksum mismatch") }
    }

    private func ensureData(_ formats: [WorkloadFormat]) throws -> WorkloadExpectation {
        let missing = formats.filter { !WorkloadFiles.fileExists(WorkloadFiles.eventsPath(for: $0, in: dataDir, events: events)) }
        let expectationPath = WorkloadFiles.expectationPath(in: dataDir, events: events)
        if missing.isEmpty, WorkloadFiles.fileExists(expectationPath) {
            return try WorkloadExpectation.load(from: expectationPath)
        }
        printError("generating \(events) events into \(dataDir) ...")
        return try WorkloadGenerator(events: events).write(to: dataDir, formats: Set(formats))
    }

    private func warmPageCache(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while read(fd, buffer, 1 << 20) > 0 {}
    }

    private func executablePath() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw RuntimeError("cannot find this executable's path") }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs `args` as a child process; returns wall seconds, its peak RSS in bytes, and its exit status.
    private func spawnAndMeasure(_ args: [String]) throws -> (Double, Int, Int32) {
        var pid: pid_t = 0
        let cArgs = args.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        let start = monotonicSeconds()
        let rc = posix_spawn(&pid, args[0], nil, nil, cArgs, environ)
        guard rc == 0 else { throw RuntimeError("cannot start \(args[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { throw RuntimeError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let seconds = monotonicSeconds() - start
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (seconds, Int(usage.ru_maxrss) * 1024, exitStatus)
    }
}
